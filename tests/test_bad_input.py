"""No input a browser can send produces a server error (SPEC §11), on every page there is.

The pages come from the permission matrix, so a new URL is covered as soon as it is added there.
"""

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, ClientPhoneFactory, RepairOrderFactory, VehicleFactory
from tests.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db

ODD_QUERIES = [
    "page=abc",
    "page=-1",
    "page=0",
    "page=99999999999999999999999",
    "orders_page=1e9&rec_page=%FF&tasks_page=",
    "q=%00",
    "q=" + "Я" * 5000,
    "q=%F0%9F%9A%97%20%D0%81",
    "q=<script>alert(1)</script>",
    "q=8%20(",
    "q=+7",
    "q=%25%25_",
    "q[]=1&q=2",
    # «Мои задачи»: its filter and its two lists' pages.
    "date_from=junk&date_to=2025-13-45",
    "date_from=0001-01-01&date_to=9999-12-31",
    "period=forever&task_type=abc&hide_finished=maybe",
    "task_type=99999999999999999999&period[]=today",
    "mine_page=-1&available_page=%FF",
]


@pytest.fixture
def objects(branch_a):
    client = ClientFactory(home_branch=branch_a)
    ClientPhoneFactory(client=client)
    vehicle = VehicleFactory(owner=client)
    repair_order = RepairOrderFactory(vehicle=vehicle)
    return {"client": client, "vehicle": vehicle, "repair_order": repair_order}


GET_PAGES = sorted(
    name
    for name, (method, _, _) in MATRIX.items()
    if method == "get" and not name.startswith("admin:")
)


@pytest.mark.parametrize("url_name", GET_PAGES)
def test_odd_query_strings_never_answer_500(url_name, client_manager_a, objects):
    object_key = MATRIX[url_name][1]
    url = reverse(url_name, kwargs={"pk": objects[object_key].pk} if object_key else {})
    for query in ODD_QUERIES:
        response = client_manager_a.get(f"{url}?{query}")
        assert response.status_code < 500, (url_name, query)
        response = client_manager_a.get(f"{url}?{query}", headers={"HX-Request": "true"})
        assert response.status_code < 500, (url_name, query, "htmx")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"do_not_call": ""},
        {"do_not_call": "maybe"},
        {"do_not_call": "\x00"},
        {"do_not_call": ["1", "0"]},
    ],
)
def test_odd_posts_never_answer_500(data, client_manager_a, objects):
    url = reverse("client_history:client_set_do_not_call", kwargs={"pk": objects["client"].pk})
    response = client_manager_a.post(url, data)
    assert response.status_code < 500


def test_ids_that_are_not_ids_answer_404(client_manager_a):
    for path in ["/clients/99999999999999999999/", "/clients/vehicles/0/history/", "/clients/-1/"]:
        assert client_manager_a.get(path).status_code == 404

"""No input a browser can send produces a server error (SPEC §11), on every page there is.

The pages come from the permission matrix, so a new URL is covered as soon as it is added there.
"""

import pytest
from django.urls import reverse

from selections.models import LeadBatch
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
    # The task window re-drawn for a choice, with choices that are not choices.
    "outcome=interview&interview_result=abc&copied_from=99999999999999999999",
    "outcome=repeat&copied_from=-5&wrong_phone=%00&reported_mileage=1e99",
    "outcome=%00&interview_result[]=1&comment=" + "ж" * 5000,
    "next=https://evil.example/&outcome=wrong_data&wrong_data=phone",
    # «Этапы сделок»: the section, the chosen worksheet, the search and the filters.
    "stage=forever&worksheet=abc&department=x&purpose=-1&task_type=1e9",
    "stage[]=new&worksheet=99999999999999999999&department=99999999999999999999",
    "worksheet=-5&q=%00&purpose=%FF&requests_page=x",
    "stage=processed&page=2&q=" + "8" * 300,
    # «Выборки»: the branch, the variant, the run form re-drawn, a batch's lead filter.
    "branch=abc&variant=%00&department=99999999999999999999&kind=-1&workshop=x",
    "branch=99999999999999999999&variant[]=external&period=never&date_from=31.02.2025",
    "department=1e9&kind=%FF&date_to=" + "9" * 40,
    "show=everything&page=%FF",
    "show[]=selected&page=99999999999999999999",
    # «Аналитика»: the period, the units, the manager, the export's table and the batches' page.
    "period=forever&date_from=2025-03-10&date_to=2025-03-01&branch=x&manager=-1",
    "date_from=1000-01-01&date_to=9999-12-31&department=99999999999999999999&block=%00",
    "period[]=month&date_from=2020-01-01&date_to=2025-12-31&batches_page=-1&block=nothing",
    "date_to=2025-02-30&branch=1e9&department=%FF&manager=abc&block=managers",
]


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


TASK_POSTS = [
    {},
    {"version": "abc", "outcome": "no_answer"},
    {"version": "-1", "outcome": "no_answer"},
    {"version": "99999999999999999999", "outcome": "interview"},
    {"version": "0", "outcome": "nonsense"},
    {"version": "0", "outcome": "\x00", "comment": "\x00"},
    {"version": "0", "outcome": "interview", "interview_result": "1e9"},
    {"version": "0", "outcome": "interview", "interview_result": ["1", "2"]},
    {"version": "0", "outcome": "no_answer", "reported_mileage": "-5"},
    {"version": "0", "outcome": "no_answer", "reported_mileage": "9" * 30},
    {"version": "0", "outcome": "no_answer", "comment": "я" * 100_000},
    {"version": "0", "outcome": "wrong_data", "wrong_data": "phone", "wrong_phone": "x"},
    {"version": "0", "outcome": "repeat", "copied_from": "99999999999999999999"},
    {"version": "0", "outcome": "no_answer", "plan-enabled": "on", "plan-planned_at": "31.02.2030"},
    {"version": "0", "outcome": "no_answer", "plan-enabled": "on", "plan-task_type": "\x00"},
    {"version": "0", "outcome": "no_answer", "involve-enabled": "on", "involve-department": "-1"},
    {"version": "0", "outcome": "no_answer", "request-enabled": "on", "request-workshop": "abc"},
    {"version": "0", "outcome": "no_answer", "save_next": "1", "next": "//evil.example/"},
]


@pytest.mark.parametrize("data", TASK_POSTS)
def test_odd_task_results_never_answer_500(data, client_manager_a, objects):
    url = reverse("tasks:task_window", kwargs={"pk": objects["task"].pk})

    response = client_manager_a.post(url, data)

    assert response.status_code < 500
    if response.status_code == 302:
        assert "evil" not in response["Location"]


STAGE_POSTS = [
    ("tasks:tasks_reassign", None, {}),
    ("tasks:tasks_reassign", None, {"executor": "abc", "task": ["x", "-1"]}),
    ("tasks:tasks_reassign", None, {"executor": "99999999999999999999", "everything": "on"}),
    ("tasks:tasks_reassign", None, {"executor": "\x00", "worksheet": "1e9", "stage": "\x00"}),
    ("tasks:tasks_reassign", None, {"everything": "on", "department": "x", "q": "я" * 5000}),
    ("worksheets:worksheet_set_responsible", "worksheet", {"responsible": "abc"}),
    ("worksheets:worksheet_set_responsible", "worksheet", {"responsible": ["1", "2"]}),
    ("tasks:worksheet_involve", "worksheet", {}),
    ("tasks:worksheet_involve", "worksheet", {"involve-department": "-1"}),
    ("tasks:worksheet_involve", "worksheet", {"involve-planned_at": "31.02.2030"}),
    ("tasks:worksheet_involve", "worksheet", {"involve-task_type": "\x00", "involve-comment": ""}),
]


@pytest.mark.parametrize(("url_name", "object_key", "data"), STAGE_POSTS)
def test_odd_stage_and_worksheet_posts_never_answer_500(
    url_name, object_key, data, client_head_a, objects
):
    url = reverse(url_name, kwargs={"pk": objects[object_key].pk} if object_key else {})
    for headers in ({}, {"HX-Request": "true"}):
        response = client_head_a.post(url, data, headers=headers)
        assert response.status_code < 500, (url_name, data, headers)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"variant": "x", "department": "y"},
        {"variant": "\x00", "department": ["1", "2"], "file": "not a file"},
        {"variant": "99999999999999999999999", "department": "-1"},
    ],
)
def test_odd_importer_uploads_never_answer_500(data, client_head_a, objects):
    response = client_head_a.post(reverse("selections:importer_upload"), data)
    assert response.status_code == 400
    assert LeadBatch.objects.count() == 1  # the fixture's batch only


SELECTION_POSTS = [
    ("selections:run", None, {}),
    ("selections:run", None, {"department": "abc", "kind": "-1", "period": "\x00"}),
    ("selections:run", None, {"department": "99999999999999999999", "kind": ["1", "2"]}),
    (
        "selections:run",
        None,
        {"period": "custom", "date_from": "0001-01-01", "date_to": "9999-12-31"},
    ),
    ("selections:run", None, {"period": "custom", "date_from": "31.02.2025", "date_to": "я"}),
    ("selections:batch_select", "importer_batch", {}),
    ("selections:batch_select", "importer_batch", {"action": "\x00"}),
    ("selections:batch_select", "importer_batch", {"action": "one", "lead": "abc"}),
    ("selections:batch_select", "importer_batch", {"action": "one", "lead": "9" * 30}),
    ("selections:batch_select", "importer_batch", {"action": ["all", "none"], "show": "x"}),
    ("selections:batch_create", "importer_batch", {"anything": "\x00"}),
]


@pytest.mark.parametrize(("url_name", "object_key", "data"), SELECTION_POSTS)
def test_odd_selection_posts_never_answer_500(url_name, object_key, data, client_head_a, objects):
    url = reverse(url_name, kwargs={"pk": objects[object_key].pk} if object_key else {})
    for headers in ({}, {"HX-Request": "true"}):
        response = client_head_a.post(url, data, headers=headers)
        assert response.status_code < 500, (url_name, data, headers)
    assert LeadBatch.objects.count() == 1  # nothing was run from junk

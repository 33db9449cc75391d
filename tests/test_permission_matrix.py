"""(URL, user) → expected status, over every URL the project has.

`test_matrix_covers_every_url` fails when a URL is added without a row here, so the matrix
grows with each feature.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import (
    ClientFactory,
    ClientPhoneFactory,
    RepairOrderFactory,
    VehicleFactory,
    WorksheetFactory,
)

pytestmark = pytest.mark.django_db

ANON = "anonymous"
USERS = [ANON, "manager_a", "head_a", "it_a", "manager_b", "superuser"]

# url name → (method, kwargs key, expected status per user in USERS' order: anonymous, manager
# of A, head of A, IT of A, manager of B, superuser). The kwargs key names an object of branch A
# built by the `objects` fixture. 302 for anonymous means "to the login page".
MATRIX = {
    "home": (
        "get",
        None,
        (302, 302, 302, 302, 302, 302),
    ),
    "login": (
        "get",
        None,
        (200, 302, 302, 302, 302, 302),
    ),
    "logout": (
        "post",
        None,
        (302, 302, 302, 302, 302, 302),
    ),
    "client_history:client_search": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    "client_history:client_card": (
        "get",
        "client",
        (302, 200, 200, 200, 404, 200),
    ),
    "client_history:client_set_do_not_call": (
        "post",
        "client",
        (302, 302, 302, 403, 404, 302),
    ),
    "client_history:client_history": (
        "get",
        "client",
        (302, 200, 200, 200, 404, 200),
    ),
    "client_history:vehicle_card": (
        "get",
        "vehicle",
        (302, 200, 200, 200, 404, 200),
    ),
    "client_history:vehicle_history": (
        "get",
        "vehicle",
        (302, 200, 200, 200, 404, 200),
    ),
    "client_history:repair_order": (
        "get",
        "repair_order",
        (302, 200, 200, 200, 404, 200),
    ),
    "tasks:my_tasks": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    "tasks:my_tasks_set_view": (
        "post",
        None,
        (302, 302, 302, 302, 302, 302),
    ),
    # A poll from a page whose session ended: 286 tells htmx to stop asking.
    "tasks:reminder": (
        "get",
        None,
        (286, 200, 200, 200, 200, 200),
    ),
    "tasks:task_window": (
        "get",
        "task",
        (302, 200, 200, 404, 404, 200),
    ),
    "tasks:fill_candidates": (
        "get",
        "task",
        (302, 200, 200, 404, 404, 200),
    ),
    # Takes the user's most urgent task (or none) and redirects to it or to «Мои задачи».
    "tasks:next_task": (
        "post",
        None,
        (302, 302, 302, 302, 302, 302),
    ),
    "worksheets:stages": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    "worksheets:worksheet_window": (
        "get",
        "worksheet",
        (302, 200, 200, 404, 404, 200),
    ),
    # A head's change of the responsible; a manager is refused (a message, back to the window).
    "worksheets:worksheet_set_responsible": (
        "post",
        "worksheet",
        (302, 302, 302, 404, 404, 302),
    ),
    "tasks:worksheet_involve": (
        "get",
        "worksheet",
        (302, 200, 200, 404, 404, 200),
    ),
    # Only with `reassign_task`: a manager is forbidden; a head is sent back with the count.
    "tasks:tasks_reassign": (
        "post",
        None,
        (302, 403, 302, 403, 403, 302),
    ),
    # «Загрузить из файла»: only with `upload_importer_file` (heads, IT).
    "selections:importer_upload": (
        "get",
        None,
        (302, 403, 200, 200, 403, 200),
    ),
    # Without htmx the progress partial sends the user to the batch page.
    "selections:importer_progress": (
        "get",
        "importer_batch",
        (302, 302, 302, 404, 404, 302),
    ),
    # «Аналитика»: everybody with a login, each within their own scope; an .xlsx per table.
    "analytics:analytics": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    # One table's .xlsx: ?block=funnel (the default), outcomes, managers, campaigns…
    "analytics:export": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    "analytics:export_my_tasks": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    # «Выборки»: the tab, «Выбрать лиды» (a blank form is shown again with its errors), a
    # batch's page, «Поставить»/«Снять» and «Создать рабочие листы» (back to the batch).
    "selections:selections": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    "selections:run": (
        "post",
        None,
        (302, 200, 200, 403, 200, 200),
    ),
    "selections:batch": (
        "get",
        "importer_batch",
        (302, 200, 200, 404, 404, 200),
    ),
    "selections:batch_select": (
        "post",
        "importer_batch",
        (302, 302, 302, 403, 404, 302),
    ),
    "selections:batch_create": (
        "post",
        "importer_batch",
        (302, 302, 302, 403, 404, 302),
    ),
    # For a load balancer: no login, no data.
    "healthz": (
        "get",
        None,
        (200, 200, 200, 200, 200, 200),
    ),
    "analytics:export_stages": (
        "get",
        None,
        (302, 200, 200, 200, 200, 200),
    ),
    "analytics:export_batch": (
        "get",
        "importer_batch",
        (302, 200, 200, 404, 404, 200),
    ),
    "admin:index": (
        "get",
        None,
        (302, 302, 200, 200, 302, 200),
    ),
}

POST_DATA = {
    "client_history:client_set_do_not_call": {"do_not_call": "1"},
    "tasks:my_tasks_set_view": {"layout": "cards"},
    "worksheets:worksheet_set_responsible": {"responsible": ""},
    "tasks:tasks_reassign": {"everything": "on"},
    "selections:batch_select": {"action": "all"},
}


def _project_url_names(resolver=None, namespace=""):
    """Named URL patterns of the project, outside the admin (which Django tests itself)."""
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _project_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_matrix_covers_every_url():
    assert _project_url_names() - set(MATRIX) == set()


@pytest.mark.parametrize("user_key", USERS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_permission_matrix(url_name, user_key, users, objects, client, logged_in):
    method, object_key, statuses = MATRIX[url_name]
    expected = dict(zip(USERS, statuses, strict=True))
    kwargs = {"pk": objects[object_key].pk} if object_key else {}
    http = client if user_key == ANON else logged_in(users[user_key])
    url = reverse(url_name, kwargs=kwargs)
    if method == "post":
        response = http.post(url, POST_DATA.get(url_name, {}))
    else:
        response = http.get(url)
    assert response.status_code == expected[user_key], (url_name, user_key)
    if user_key == ANON and expected[user_key] == 302 and url_name not in {"home", "logout"}:
        assert "login" in response["Location"]


# The client visibility rule (SPEC §10), each way in and out: a client of branch B opens for A's
# users through a worksheet in A's department or a repair order at A's branch; a client of B
# with nothing in A answers 404 to A, and A's clients to B (the `objects` rows above).
WAYS = {
    # object key → expected status per user (USERS' order), on every client and vehicle page.
    # IT of A has no department: a worksheet in A's department does not open the client to it.
    "worked_by_a": (302, 200, 200, 404, 200, 200),
    "served_by_a": (302, 200, 200, 200, 200, 200),
    "nothing_in_a": (302, 404, 404, 404, 200, 200),
}
CLIENT_PAGES = sorted(name for name, (_, key, _) in MATRIX.items() if key in {"client", "vehicle"})


@pytest.fixture
def ways(branch_a, branch_b, service_a, service_b):
    worked = ClientFactory(home_branch=branch_b)
    WorksheetFactory(department=service_a, client=worked)
    served = ClientFactory(home_branch=branch_b)
    RepairOrderFactory(vehicle=VehicleFactory(owner=served), client=served, branch=branch_a)
    stranger = ClientFactory(home_branch=branch_b)
    WorksheetFactory(department=service_b, client=stranger)
    RepairOrderFactory(vehicle=VehicleFactory(owner=stranger), client=stranger, branch=branch_b)
    objects = {}
    for key, client in (
        ("worked_by_a", worked),
        ("served_by_a", served),
        ("nothing_in_a", stranger),
    ):
        ClientPhoneFactory(client=client)
        vehicle = client.vehicles.first() or VehicleFactory(owner=client)
        objects[key] = {"client": client, "vehicle": vehicle}
    return objects


@pytest.mark.parametrize("user_key", USERS)
@pytest.mark.parametrize("way", sorted(WAYS))
@pytest.mark.parametrize("url_name", CLIENT_PAGES)
def test_client_visibility_matrix(url_name, way, user_key, users, ways, client, logged_in):
    method, object_key, _ = MATRIX[url_name]
    url = reverse(url_name, kwargs={"pk": ways[way][object_key].pk})
    http = client if user_key == ANON else logged_in(users[user_key])
    if method == "post":
        response = http.post(url, POST_DATA.get(url_name, {}))
    else:
        response = http.get(url)
    expected = dict(zip(USERS, WAYS[way], strict=True))[user_key]
    if method == "post" and user_key == "it_a":
        expected = 403  # IT reads clients, it does not change them
    elif method == "post" and expected == 200:
        expected = 302  # a plain post redirects back to the card
    assert response.status_code == expected, (url_name, way, user_key)


def test_visibility_matrix_covers_the_client_and_vehicle_pages():
    assert {
        "client_history:client_card",
        "client_history:client_history",
        "client_history:client_set_do_not_call",
        "client_history:vehicle_card",
        "client_history:vehicle_history",
    } <= set(CLIENT_PAGES)

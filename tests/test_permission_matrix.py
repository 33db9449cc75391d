"""(URL, user) → expected status, over every URL the project has.

`test_matrix_covers_every_url` fails when a URL is added without a row here, so the matrix
grows with each feature.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import ClientFactory, ClientPhoneFactory, RepairOrderFactory, VehicleFactory

pytestmark = pytest.mark.django_db

ANON = "anonymous"
USERS = [ANON, "manager_a", "head_a", "manager_b", "superuser"]

# url name → (method, kwargs key, expected status per user). The kwargs key names an object of
# branch A built by the `objects` fixture. 302 for anonymous means "to the login page".
MATRIX = {
    "home": (
        "get",
        None,
        {ANON: 302, "manager_a": 302, "head_a": 302, "manager_b": 302, "superuser": 302},
    ),
    "login": (
        "get",
        None,
        {ANON: 200, "manager_a": 302, "head_a": 302, "manager_b": 302, "superuser": 302},
    ),
    "logout": (
        "post",
        None,
        {ANON: 302, "manager_a": 302, "head_a": 302, "manager_b": 302, "superuser": 302},
    ),
    "client_history:client_search": (
        "get",
        None,
        {ANON: 302, "manager_a": 200, "head_a": 200, "manager_b": 200, "superuser": 200},
    ),
    "client_history:client_card": (
        "get",
        "client",
        {ANON: 302, "manager_a": 200, "head_a": 200, "manager_b": 404, "superuser": 200},
    ),
    "client_history:client_set_do_not_call": (
        "post",
        "client",
        {ANON: 302, "manager_a": 302, "head_a": 302, "manager_b": 404, "superuser": 302},
    ),
    "client_history:client_history": (
        "get",
        "client",
        {ANON: 302, "manager_a": 200, "head_a": 200, "manager_b": 404, "superuser": 200},
    ),
    "client_history:vehicle_card": (
        "get",
        "vehicle",
        {ANON: 302, "manager_a": 200, "head_a": 200, "manager_b": 404, "superuser": 200},
    ),
    "client_history:vehicle_history": (
        "get",
        "vehicle",
        {ANON: 302, "manager_a": 200, "head_a": 200, "manager_b": 404, "superuser": 200},
    ),
    "admin:index": (
        "get",
        None,
        {ANON: 302, "manager_a": 302, "head_a": 200, "manager_b": 302, "superuser": 200},
    ),
}

POST_DATA = {"client_history:client_set_do_not_call": {"do_not_call": "1"}}


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


@pytest.fixture
def objects(branch_a):
    client = ClientFactory(home_branch=branch_a)
    ClientPhoneFactory(client=client)
    vehicle = VehicleFactory(owner=client)
    RepairOrderFactory(vehicle=vehicle)
    return {"client": client, "vehicle": vehicle}


@pytest.mark.parametrize("user_key", USERS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_permission_matrix(url_name, user_key, users, objects, client, logged_in):
    method, object_key, expected = MATRIX[url_name]
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

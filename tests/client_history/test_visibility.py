"""The one visibility rule for clients and vehicles (SPEC §10), each way in and each way out.

A user sees a client whose home branch is one of theirs, or who has a worksheet in one of their
departments, or a repair order at one of their branches; a superuser sees all. A vehicle is
seen when its owner is, or when it has a repair order at one of the user's branches.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from client_history.models import Client, Vehicle
from client_history.selectors import clients_visible_to, vehicles_visible_to
from tests.factories import (
    ClientFactory,
    ClientPhoneFactory,
    RepairOrderFactory,
    UserFactory,
    VehicleFactory,
    WorksheetFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("client_history:client_search")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "search-results"}


@pytest.fixture
def own(branch_a):
    """A client of branch A: seen by A through the home branch."""
    return ClientFactory(name="Алексеев Свой", home_branch=branch_a)


@pytest.fixture
def worked_by_a(branch_b, service_a):
    """A client of branch B with a worksheet in A's service department."""
    client = ClientFactory(name="Борисов Листовой", home_branch=branch_b)
    WorksheetFactory(department=service_a, client=client)
    return client


@pytest.fixture
def served_by_a(branch_a, branch_b):
    """A client of branch B whose car had a repair order at branch A."""
    client = ClientFactory(name="Васильев Сервисный", home_branch=branch_b)
    vehicle = VehicleFactory(owner=client, plate="К555КК77")
    RepairOrderFactory(vehicle=vehicle, client=client, branch=branch_a)
    return client


@pytest.fixture
def stranger(branch_b, service_b):
    """A client of branch B with a worksheet and a repair order in B only: nothing in A."""
    client = ClientFactory(name="Григорьев Чужой", home_branch=branch_b)
    WorksheetFactory(department=service_b, client=client)
    RepairOrderFactory(vehicle=VehicleFactory(owner=client), client=client, branch=branch_b)
    return client


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


# --- the selector ------------------------------------------------------------------------------


def test_each_way_in_opens_a_client_and_nothing_else_does(
    manager_a, own, worked_by_a, served_by_a, stranger
):
    assert names(clients_visible_to(manager_a)) == {
        "Алексеев Свой",
        "Борисов Листовой",
        "Васильев Сервисный",
    }
    assert names(Client.objects.visible_to(manager_a)) == names(clients_visible_to(manager_a))


def test_other_branch_sees_its_own_and_not_a_clients(
    manager_b, own, worked_by_a, served_by_a, stranger
):
    # The B clients are B's by their home branch; the A client is nothing of B's.
    assert names(clients_visible_to(manager_b)) == {
        "Борисов Листовой",
        "Васильев Сервисный",
        "Григорьев Чужой",
    }


def test_a_worksheet_opens_the_client_for_its_department_only(manager_a, head_a, branch_b, sales_a):
    # manager_a works in A's service department, head_a also in A's sales department.
    client = ClientFactory(name="Дмитриев Продажный", home_branch=branch_b)
    WorksheetFactory(department=sales_a, client=client)
    assert not clients_visible_to(manager_a).filter(pk=client.pk).exists()
    assert clients_visible_to(head_a).filter(pk=client.pk).exists()


def test_a_worksheet_in_a_opens_a_client_of_a_for_b(manager_b, own, service_b):
    WorksheetFactory(department=service_b, client=own)
    assert names(clients_visible_to(manager_b)) == {"Алексеев Свой"}


def test_superuser_sees_every_client(superuser, own, worked_by_a, served_by_a, stranger):
    assert clients_visible_to(superuser).count() == 4


def test_anonymous_inactive_and_profileless_users_see_nothing(own, worked_by_a, manager_a):
    assert not clients_visible_to(AnonymousUser()).exists()
    assert not clients_visible_to(UserFactory(username="no_profile")).exists()
    manager_a.is_active = False
    manager_a.save()
    manager_a.refresh_from_db()  # drop the cached scope
    assert not clients_visible_to(manager_a).exists()


def test_a_client_seen_many_ways_comes_once(manager_a, head_a, own, branch_a, service_a, sales_a):
    WorksheetFactory(department=service_a, client=own)
    WorksheetFactory(department=sales_a, client=own)
    for _ in range(3):
        RepairOrderFactory(vehicle=VehicleFactory(owner=own), client=own, branch=branch_a)
    assert list(clients_visible_to(head_a)) == [own]
    assert clients_visible_to(head_a).count() == 1


def test_the_rule_is_exists_subqueries_not_a_join(manager_a):
    sql = str(clients_visible_to(manager_a).filter(pk=1).query).upper()
    assert "EXISTS" in sql
    assert "DISTINCT" not in sql
    assert " JOIN " not in sql.split("EXISTS")[0]  # the client query itself joins nothing


def test_vehicles_follow_their_owner(manager_a, own, worked_by_a, stranger):
    own_car = VehicleFactory(owner=own)
    worked_car = VehicleFactory(owner=worked_by_a)
    visible = set(vehicles_visible_to(manager_a))
    assert own_car in visible and worked_car in visible
    assert not (set(stranger.vehicles.all()) & visible)


def test_a_repair_order_at_the_branch_opens_the_car_even_of_a_hidden_owner(
    manager_a, manager_b, branch_a, branch_b, stranger
):
    # The car was serviced at A for its previous owner; its owner now is B's client only.
    car = VehicleFactory(owner=stranger, plate="Р321РР50")
    previous_owner = ClientFactory(name="Прежний Владелец", home_branch=branch_b)
    RepairOrderFactory(vehicle=car, client=previous_owner, branch=branch_a)
    ownerless = VehicleFactory(owner=None)
    RepairOrderFactory(vehicle=ownerless, client=previous_owner, branch=branch_a)

    assert set(vehicles_visible_to(manager_a).filter(pk__in=[car.pk, ownerless.pk])) == {
        car,
        ownerless,
    }
    assert not clients_visible_to(manager_a).filter(pk=stranger.pk).exists()
    assert not vehicles_visible_to(manager_b).filter(pk=ownerless.pk).exists()
    assert Vehicle.objects.visible_to(manager_b).filter(pk=car.pk).exists()


def test_superuser_sees_ownerless_cars(superuser):
    car = VehicleFactory(owner=None)
    assert vehicles_visible_to(superuser).filter(pk=car.pk).exists()


# --- the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["own", "worked_by_a", "served_by_a"])
def test_cards_and_histories_open_for_each_way_in(request, client_manager_a, fixture):
    client = request.getfixturevalue(fixture)
    ClientPhoneFactory(client=client)
    vehicle = VehicleFactory(owner=client)
    for url in (
        reverse("client_history:client_card", args=[client.pk]),
        reverse("client_history:client_history", args=[client.pk]),
        reverse("client_history:vehicle_card", args=[vehicle.pk]),
        reverse("client_history:vehicle_history", args=[vehicle.pk]),
    ):
        assert client_manager_a.get(url).status_code == 200, url


def test_cards_and_histories_of_a_stranger_answer_404(client_manager_a, stranger):
    vehicle = stranger.vehicles.get()
    for url in (
        reverse("client_history:client_card", args=[stranger.pk]),
        reverse("client_history:client_history", args=[stranger.pk]),
        reverse("client_history:vehicle_card", args=[vehicle.pk]),
        reverse("client_history:vehicle_history", args=[vehicle.pk]),
    ):
        assert client_manager_a.get(url).status_code == 404, url
    response = client_manager_a.post(
        reverse("client_history:client_set_do_not_call", args=[stranger.pk]), {"do_not_call": "1"}
    )
    assert response.status_code == 404


def test_a_car_seen_through_an_order_does_not_show_its_hidden_owner(
    client_manager_a, branch_a, branch_b, stranger
):
    # Serviced at A for its previous owner (the stranger); owned now by a client A never saw.
    owner = ClientFactory(name="Скрытый Владелец", home_branch=branch_b)
    hidden_car = VehicleFactory(owner=owner, plate="О001ОО77")
    RepairOrderFactory(vehicle=hidden_car, client=stranger, branch=branch_a)

    card = client_manager_a.get(reverse("client_history:vehicle_card", args=[hidden_car.pk]))
    history = client_manager_a.get(reverse("client_history:vehicle_history", args=[hidden_car.pk]))

    for response in (card, history):
        assert response.status_code == 200
        html = response.content.decode()
        assert "Скрытый Владелец" not in html
        assert reverse("client_history:client_card", args=[hidden_car.owner_id]) not in html
    assert "клиент другой структурной единицы" in card.content.decode()


def test_search_finds_each_way_in_and_not_the_stranger(
    client_manager_a, own, worked_by_a, served_by_a, stranger
):
    for query, name in (
        ("Алексеев", "Алексеев Свой"),
        ("Борисов", "Борисов Листовой"),
        ("Васильев", "Васильев Сервисный"),
        ("К555КК77", "Васильев Сервисный"),
    ):
        response = client_manager_a.get(SEARCH, {"q": query}, **HTMX)
        assert [c.name for c in response.context["page_obj"]] == [name], query
    response = client_manager_a.get(SEARCH, {"q": "Григорьев"})
    assert "Григорьев Чужой" not in response.content.decode()
    assert "клиентов не найдено" in response.content.decode()


# --- the admin -------------------------------------------------------------------------------


def _changelist_names(http, model, term: str = "") -> set[str]:
    url = reverse(f"admin:client_history_{model}_changelist")
    response = http.get(url, {"q": term} if term else {})
    assert response.status_code == 200
    return {str(obj) for obj in response.context["cl"].result_list}


def test_admin_client_list_follows_the_rule(client_head_a, own, worked_by_a, served_by_a, stranger):
    assert _changelist_names(client_head_a, "client") == {
        "Алексеев Свой",
        "Борисов Листовой",
        "Васильев Сервисный",
    }
    assert _changelist_names(client_head_a, "client", "Григорьев") == set()


def test_admin_client_pages_open_each_way_in_and_not_the_stranger(
    client_head_a, own, worked_by_a, served_by_a, stranger
):
    for client in (own, worked_by_a, served_by_a):
        url = reverse("admin:client_history_client_change", args=[client.pk])
        assert client_head_a.get(url).status_code == 200
    url = reverse("admin:client_history_client_change", args=[stranger.pk])
    assert client_head_a.get(url).status_code in (302, 404)  # the admin's "not found"
    history = reverse("admin:client_history_client_history", args=[stranger.pk])
    assert client_head_a.get(history).status_code == 404


def test_admin_vehicle_list_follows_the_rule(client_head_a, branch_a, served_by_a, stranger):
    served_car = served_by_a.vehicles.get()
    hidden = VehicleFactory(owner=stranger, plate="Т222ТТ99")
    listed = _changelist_names(client_head_a, "vehicle")
    assert str(served_car) in listed
    assert str(hidden) not in listed
    RepairOrderFactory(vehicle=hidden, client=served_by_a, branch=branch_a)
    assert str(hidden) in _changelist_names(client_head_a, "vehicle")


def test_admin_autocomplete_offers_each_way_in(
    client_head_a, own, worked_by_a, served_by_a, stranger
):
    response = client_head_a.get(
        reverse("admin:autocomplete"),
        {"app_label": "worksheets", "model_name": "worksheet", "field_name": "client", "term": ""},
    )
    assert response.status_code == 200
    offered = {row["text"] for row in response.json()["results"]}
    assert offered == {"Алексеев Свой", "Борисов Листовой", "Васильев Сервисный"}

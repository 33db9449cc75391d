"""Client and vehicle cards, the «не звонить» switch, and their branch scoping."""

import datetime as dt

import pytest
from django.urls import reverse

from client_history.models import Client
from tests.factories import (
    ClientFactory,
    ClientPhoneFactory,
    RecommendationFactory,
    RepairOrderFactory,
    VehicleFactory,
    WorksheetFactory,
)

HTMX_FLAG = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "do-not-call"}


@pytest.fixture
def client_a(branch_a):
    client = ClientFactory(
        name="Смирнова Алёна Сергеевна", home_branch=branch_a, email="alena@example.ru"
    )
    ClientPhoneFactory(client=client, number="+79161234567", is_primary=True)
    ClientPhoneFactory(client=client, number="+79035550011", is_primary=False, is_invalid=True)
    return client


@pytest.fixture
def vehicle_a(client_a):
    return VehicleFactory(owner=client_a, plate="А123ВС77", vin="XW8ZZZ61ZJG123456")


def card_url(client) -> str:
    return reverse("client_history:client_card", args=[client.pk])


def flag_url(client) -> str:
    return reverse("client_history:client_set_do_not_call", args=[client.pk])


def vehicle_url(vehicle) -> str:
    return reverse("client_history:vehicle_card", args=[vehicle.pk])


def test_card_shows_phones_as_tel_links_and_marks_invalid_ones(client_manager_a, client_a):
    html = client_manager_a.get(card_url(client_a)).content.decode()
    assert 'href="tel:+79161234567"' in html
    assert "+7 916 123-45-67" in html
    assert 'href="tel:+79035550011" class="phone-invalid"' in html
    assert html.count("недействителен") == 1
    assert 'href="mailto:alena@example.ru"' in html
    assert "Физическое лицо" in html


def test_card_lists_vehicles_worksheets_and_open_recommendations(
    client_manager_a, client_a, vehicle_a, service_a, sales_a
):
    order = RepairOrderFactory(vehicle=vehicle_a, number="ЗН-000777")
    RecommendationFactory(repair_order=order, text="Заменить щётки стеклоочистителя")
    RecommendationFactory(repair_order=order, text="Уже сделано", is_done=True)
    mine = WorksheetFactory(client=client_a, department=service_a)
    not_mine = WorksheetFactory(client=client_a, department=sales_a)  # manager_a: service only
    html = client_manager_a.get(card_url(client_a)).content.decode()
    assert vehicle_url(vehicle_a) in html
    assert "Заменить щётки стеклоочистителя" in html and "ЗН-000777" in html
    assert "Уже сделано" not in html
    assert mine.number in html
    assert not_mine.number not in html
    assert reverse("client_history:client_history", args=[client_a.pk]) in html
    assert "История взаимодействия" in html


def test_card_caps_open_recommendations_and_links_to_history(client_manager_a, client_a, vehicle_a):
    order = RepairOrderFactory(vehicle=vehicle_a)
    for n in range(12):
        RecommendationFactory(repair_order=order, text=f"Рекомендация {n}")
    html = client_manager_a.get(card_url(client_a)).content.decode()
    assert "Показаны 10 из 12" in html


def test_toggle_do_not_call_by_plain_post_redirects_and_records_history(
    client_manager_a, client_a, manager_a
):
    response = client_manager_a.post(flag_url(client_a), {"do_not_call": "1"})
    assert response.status_code == 302
    assert response["Location"] == card_url(client_a)
    client_a.refresh_from_db()
    assert client_a.do_not_call is True
    latest = client_a.history.first()
    assert latest.history_user == manager_a and latest.do_not_call is True

    html = client_manager_a.get(card_url(client_a)).content.decode()
    assert "Клиенту не звонить" in html
    assert "звонить можно → не звонить" in html
    assert manager_a.get_full_name() in html


def test_toggle_do_not_call_by_htmx_answers_with_the_partial(client_manager_a, client_a):
    client_manager_a.post(flag_url(client_a), {"do_not_call": "1"}, **HTMX_FLAG)
    response = client_manager_a.post(flag_url(client_a), {"do_not_call": "0"}, **HTMX_FLAG)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel do-not-call" id="do-not-call"')
    assert "<html" not in html
    assert "Отметить «Не звонить»" in html
    # Both changes are listed, newest first.
    assert html.index("не звонить → звонить можно") < html.index("звонить можно → не звонить")
    client_a.refresh_from_db()
    assert client_a.do_not_call is False


def test_setting_the_same_value_records_nothing(client_manager_a, client_a):
    before = client_a.history.count()
    client_manager_a.post(flag_url(client_a), {"do_not_call": "0"})
    assert client_a.history.count() == before


def test_do_not_call_get_is_not_allowed(client_manager_a, client_a):
    assert client_manager_a.get(flag_url(client_a)).status_code == 405


@pytest.mark.parametrize("data", [{}, {"do_not_call": "maybe"}, {"do_not_call": ""}])
def test_do_not_call_bad_value_is_400_with_russian_message(client_manager_a, client_a, data):
    response = client_manager_a.post(flag_url(client_a), data)
    assert response.status_code == 400
    assert "значение отметки «Не звонить»" in response.content.decode()
    client_a.refresh_from_db()
    assert client_a.do_not_call is False


def test_do_not_call_bad_value_by_htmx_answers_with_the_partial(client_manager_a, client_a):
    response = client_manager_a.post(flag_url(client_a), {"do_not_call": "2"}, **HTMX_FLAG)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html and 'id="do-not-call"' in html
    assert "Недопустимое значение отметки «Не звонить»." in html


def test_do_not_call_of_another_branch_is_404(client_manager_b, client_a):
    assert client_manager_b.post(flag_url(client_a), {"do_not_call": "1"}).status_code == 404
    assert Client.objects.get(pk=client_a.pk).do_not_call is False


def test_vehicle_card_shows_the_vehicle_owner_and_orders(client_manager_a, client_a, vehicle_a):
    order = RepairOrderFactory(
        vehicle=vehicle_a, number="ЗН-000101", opened_at=dt.date(2025, 3, 4), mileage=40500
    )
    RecommendationFactory(repair_order=order, text="Проверить тормозную жидкость")
    html = client_manager_a.get(vehicle_url(vehicle_a)).content.decode()
    for text in [
        "XW8ZZZ61ZJG123456",
        "А123ВС77",
        "Haval Jolion",
        "2021",
        "15.03.2021",  # sale date
        "45\xa0000 км на 01.10.2025",  # last known mileage and its date
        card_url(client_a),
        "ЗН-000101",
        "04.03.2025",
        "40\xa0500",
        "15\xa0400,00 ₽",
        "Проверить тормозную жидкость",
        reverse("client_history:vehicle_history", args=[vehicle_a.pk]),
    ]:
        assert text in html, text


def test_vehicle_card_orders_are_paginated_as_a_partial(client_manager_a, vehicle_a, settings):
    settings.CRM_PAGE_SIZE = 2
    for day in range(1, 6):
        RepairOrderFactory(
            vehicle=vehicle_a, number=f"ЗН-{day:06d}", opened_at=dt.date(2025, 1, day)
        )
    response = client_manager_a.get(
        vehicle_url(vehicle_a),
        {"orders_page": "3"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="orders",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel" id="orders"')
    assert "ЗН-000001" in html and "ЗН-000005" not in html
    assert "Страница 3 из 3" in html


def test_vehicle_without_owner_is_for_superusers_only(client_manager_a, client_superuser):
    orphan = VehicleFactory(owner=None)
    assert client_manager_a.get(vehicle_url(orphan)).status_code == 404
    assert client_superuser.get(vehicle_url(orphan)).status_code == 200
    history = reverse("client_history:vehicle_history", args=[orphan.pk])
    assert client_superuser.get(history).status_code == 200


@pytest.mark.parametrize(
    "name", ["client_card", "client_history", "vehicle_card", "vehicle_history"]
)
def test_another_branch_gets_404(client_manager_b, client_a, vehicle_a, name):
    obj = vehicle_a if name.startswith("vehicle") else client_a
    url = reverse(f"client_history:{name}", args=[obj.pk])
    assert client_manager_b.get(url).status_code == 404


@pytest.mark.parametrize(
    "name", ["client_card", "client_history", "vehicle_card", "vehicle_history"]
)
def test_own_branch_and_superuser_get_the_pages(
    client_manager_a, client_head_a, client_superuser, client_a, vehicle_a, name
):
    obj = vehicle_a if name.startswith("vehicle") else client_a
    url = reverse(f"client_history:{name}", args=[obj.pk])
    for http in (client_manager_a, client_head_a, client_superuser):
        assert http.get(url).status_code == 200


def test_missing_ids_are_404(client_superuser):
    assert (
        client_superuser.get(reverse("client_history:client_card", args=[999999])).status_code
        == 404
    )
    assert (
        client_superuser.get(reverse("client_history:vehicle_card", args=[999999])).status_code
        == 404
    )


@pytest.mark.parametrize("rows", [1, 50])
def test_client_card_query_count_does_not_grow(
    client_manager_a, client_a, service_a, manager_a, rows, django_assert_max_num_queries
):
    WorksheetFactory(client=client_a, department=service_a)
    for _ in range(rows):
        vehicle = VehicleFactory(owner=client_a)
        order = RepairOrderFactory(vehicle=vehicle)
        RecommendationFactory(repair_order=order)
        ClientPhoneFactory(client=client_a, is_primary=False)
    for value in [True, False] * 3:
        client_a.do_not_call = value
        client_a._history_user = manager_a
        client_a.save()
    # 14: the user's permissions (whether the «Не звонить» switch is offered) are one of them.
    with django_assert_max_num_queries(14):
        response = client_manager_a.get(card_url(client_a))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_vehicle_card_query_count_does_not_grow(
    client_manager_a, vehicle_a, rows, django_assert_max_num_queries
):
    for n in range(rows):
        order = RepairOrderFactory(
            vehicle=vehicle_a, opened_at=dt.date(2020, 1, 1) + dt.timedelta(days=n)
        )
        RecommendationFactory(repair_order=order)
    with django_assert_max_num_queries(11):
        response = client_manager_a.get(vehicle_url(vehicle_a))
    assert response.status_code == 200


def test_it_reads_the_card_without_the_do_not_call_switch(it_a, logged_in, client_a):
    page = logged_in(it_a).get(card_url(client_a)).content.decode()
    assert "Звонить можно." in page
    assert "Отметить «Не звонить»" not in page

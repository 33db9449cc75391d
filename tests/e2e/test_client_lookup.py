"""The manual's first flow: a manager logs in, finds a client by a phone typed the way people
type it, opens the client card, a vehicle and the interaction history."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from client_history.models import ClientPhone

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_data(reference_data):
    call_command("seed_demo", size="S", verbosity=0)


def _typed_like_a_person(e164: str) -> str:
    digits = e164[2:]
    return f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


def test_manager_finds_client_by_phone_and_opens_card_vehicle_and_history(page, demo_data):
    phones = (
        ClientPhone.objects.filter(
            client__home_branch__employeeprofile__user__username="manager1",
            client__vehicles__isnull=False,
            is_invalid=False,
        )
        .select_related("client")
        .order_by("id")
    )
    # A number only one client has: the search then opens the card straight away.
    phone = next(p for p in phones if ClientPhone.objects.filter(number=p.number).count() == 1)
    client = phone.client
    vehicle = client.vehicles.order_by("id").first()

    page.goto("/")
    page.get_by_label("Имя пользователя").fill("manager1")
    page.get_by_label("Пароль").fill("demo")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Этапы сделок")).to_be_visible()

    search = page.get_by_role("searchbox", name="Поиск клиента")
    search.fill(_typed_like_a_person(phone.number))
    search.press("Enter")

    expect(page.get_by_role("heading", name=client.name, exact=True)).to_be_visible()
    digits = phone.number[2:]
    expect(page.locator(f'a[href="tel:{phone.number}"]')).to_contain_text(digits[:3])

    page.get_by_role("link", name=f"{vehicle.make} {vehicle.model}").first.click()
    expect(page.get_by_text(vehicle.vin).first).to_be_visible()

    page.get_by_role("link", name="История взаимодействия").first.click()
    for heading in (
        "История обслуживания",
        "Сводка по обслуживанию",
        "Рекомендации",
        "Последний визит",
        "Задачи по автомобилю",  # the history opened from a vehicle is that vehicle's
    ):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(f"/vehicles/{vehicle.pk}/history/")))


def test_another_branch_client_is_not_found(page, demo_data):
    other = ClientPhone.objects.exclude(
        client__home_branch__employeeprofile__user__username="manager1"
    ).first()
    page.goto("/")
    page.get_by_label("Имя пользователя").fill("manager1")
    page.get_by_label("Пароль").fill("demo")
    page.get_by_role("button", name="Войти").click()
    search = page.get_by_role("searchbox", name="Поиск клиента")
    search.fill(other.number)
    search.press("Enter")
    expect(page.get_by_text("клиентов не найдено")).to_be_visible()
    response = page.goto(f"/clients/{other.client_id}/")
    assert response.status == 404

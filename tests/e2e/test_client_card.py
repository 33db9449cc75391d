"""htmx regions of the client pages, in a real browser: the live search and the «не звонить» switch."""

import re

import pytest
from playwright.sync_api import expect

from client_history.models import Client
from tests.factories import (
    BranchFactory,
    ClientFactory,
    ClientPhoneFactory,
    DepartmentFactory,
    VehicleFactory,
    make_employee,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def manager(reference_data):
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    user = make_employee("manager_e2e", role="Менеджер", branches=[branch], departments=[service])
    client = ClientFactory(name="Ёлкина Анна Сергеевна", home_branch=branch)
    ClientPhoneFactory(client=client, number="+79161234567")
    VehicleFactory(owner=client, make="Chery", model="Tiggo 7 Pro", plate="А123ВС777")
    return user, client


def _log_in(page, username):
    page.goto("/login/?next=/clients/")  # the home page is «Мои задачи»
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Поиск клиентов")).to_be_visible()


def test_search_updates_as_the_manager_types(page, manager):
    _, client = manager
    _log_in(page, "manager_e2e")
    page.locator("#search-q").press_sequentially("елкина", delay=30)
    expect(page.get_by_role("link", name=client.name)).to_be_visible()
    # The search lives in the URL, so it can be shared and reloaded.
    expect(page).to_have_url(re.compile(re.escape("q=")))


def test_do_not_call_switch_updates_in_place_and_keeps_history(page, manager):
    user, client = manager
    _log_in(page, "manager_e2e")
    page.goto(f"/clients/{client.pk}/")
    page.get_by_role("button", name="Отметить «Не звонить»").click()
    expect(page.get_by_role("button", name="Снять отметку «Не звонить»")).to_be_visible()
    expect(page.locator("#do-not-call")).to_contain_text(user.get_full_name())
    client.refresh_from_db()
    assert client.do_not_call is True
    assert Client.history.filter(id=client.pk, history_user=user).exists()


def test_slash_jumps_to_the_client_search_from_any_page(page, manager):
    _, client = manager
    _log_in(page, "manager_e2e")
    page.goto("/tasks/")  # any page other than the search
    page.wait_for_load_state("load")
    page.keyboard.press("/")
    page.keyboard.type("+7 916 123-45-67")
    page.keyboard.press("Enter")
    # The one client with that number: the search opens the card straight away.
    expect(page.get_by_role("heading", name=client.name)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(f"/clients/{client.pk}/") + "$"))

"""The client search in a real browser: live results as the manager types, and Enter on a
query with one match opens the client's card."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import (
    BranchFactory,
    ClientFactory,
    ClientPhoneFactory,
    DepartmentFactory,
    make_employee,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def clients(reference_data):
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    make_employee("manager_search", role="Менеджер", branches=[branch], departments=[service])
    one = ClientFactory(name="Ёлкина Анна Сергеевна", home_branch=branch)
    ClientPhoneFactory(client=one, number="+79161234567")
    ClientFactory(name="Ёлкин Пётр", home_branch=branch)
    return one


def _log_in(page):
    page.goto("/login/?next=/clients/")  # the home page is «Мои задачи»
    page.get_by_label("Имя пользователя").fill("manager_search")
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Поиск клиентов")).to_be_visible()


def test_typing_one_match_keeps_the_list_and_enter_opens_the_card(page, clients):
    _log_in(page)
    search = page.locator("#search-q")
    search.press_sequentially("4567", delay=30)  # the last four digits of her phone
    expect(page.get_by_role("link", name=clients.name)).to_be_visible()
    assert page.get_by_role("heading", name="Поиск клиентов").is_visible()

    search.press("Enter")
    expect(page.get_by_role("heading", name=clients.name, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(f"/clients/{clients.pk}/") + "$"))


def test_enter_on_several_matches_shows_the_list(page, clients):
    _log_in(page)
    page.locator("#search-q").fill("ёлкин")
    page.locator("#search-q").press("Enter")
    expect(page.get_by_role("link", name="Ёлкин Пётр")).to_be_visible()
    expect(page.get_by_role("link", name=clients.name)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape("q=")))

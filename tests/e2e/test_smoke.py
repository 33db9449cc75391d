import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_login_page_is_russian(page, transactional_db):
    page.goto("/")
    expect(page.get_by_role("heading", name="АРМ менеджер CRM")).to_be_visible()
    expect(page.get_by_label("Имя пользователя")).to_be_visible()
    expect(page.get_by_role("button", name="Войти")).to_be_visible()

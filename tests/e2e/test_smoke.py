import pytest
from playwright.sync_api import expect

# Live-server tests commit for real; serialized_rollback restores the roles and reference lists
# the data migrations wrote, which the flush after each test would otherwise remove.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_login_page_is_russian(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="АРМ менеджер CRM")).to_be_visible()
    expect(page.get_by_label("Имя пользователя")).to_be_visible()
    expect(page.get_by_role("button", name="Войти")).to_be_visible()

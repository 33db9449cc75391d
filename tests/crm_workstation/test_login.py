import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_russian(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Имя пользователя" in html
    assert "Пароль" in html
    assert "Войти" in html


def test_wrong_password_gets_a_russian_message(client, manager_a):
    response = client.post(reverse("login"), {"username": "manager_a", "password": "wrong"})
    assert response.status_code == 200
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in response.content.decode()


def test_login_lands_on_the_workstation(client, manager_a):
    response = client.post(
        reverse("login"), {"username": "manager_a", "password": "pass"}, follow=True
    )
    assert response.status_code == 200
    # The home page is «Этапы сделок» (SPEC §5.2).
    assert response.redirect_chain[-1][0] == reverse("worksheets:stages")
    html = response.content.decode()
    assert "Выйти" in html
    assert "Автоцентр Север" in html  # the user's structural unit in the header


def test_every_page_needs_a_login(client):
    response = client.get(reverse("client_history:client_search"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_is_a_post(client_manager_a):
    assert client_manager_a.get(reverse("logout")).status_code == 405
    response = client_manager_a.post(reverse("logout"))
    assert response.status_code == 302
    assert client_manager_a.get(reverse("client_history:client_search")).status_code == 302


def test_responses_carry_a_content_security_policy(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_dates_use_the_russian_short_form():
    import datetime as dt

    from django.template import Context, Template
    from django.utils import translation

    with translation.override("ru"):
        rendered = Template("{{ d|date:'SHORT_DATE_FORMAT' }} {{ d }}").render(
            Context({"d": dt.date(2026, 3, 5)})
        )
    assert rendered == "05.03.2026 05.03.2026"

"""Login throttling, idle sessions, no caching of personal data, /healthz, and a clean 503 when
the database cannot be reached."""

import subprocess
import sys

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _login(client, password):
    return client.post(reverse("login"), {"username": "manager_a", "password": password})


def test_wrong_passwords_lock_the_login_then_a_right_one_is_refused(client, manager_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "wrong").status_code == 200  # the form again, with its message

    locked = _login(client, "wrong")
    assert locked.status_code == 429
    assert "Вход временно закрыт" in locked.content.decode()
    assert "15 минут" in locked.content.decode()

    right = _login(client, "pass")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_clears_the_count(client, manager_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, "pass").status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, "pass").status_code == 302


def test_the_lock_is_per_user_name(client, manager_a, head_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")

    response = client.post(reverse("login"), {"username": "head_a", "password": "pass"})
    assert response.status_code == 302


def test_sessions_end_when_the_browser_closes_and_after_the_idle_time(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE == 480 * 60


def test_activity_slides_the_idle_expiry_but_the_reminder_poll_does_not(client_manager_a, settings):
    settings.SESSION_TOUCH_SECONDS = 0
    client_manager_a.get(reverse("tasks:my_tasks"))
    touched = client_manager_a.session["_touched"]

    client_manager_a.session.save()  # what is stored now
    before = client_manager_a.session.get_expiry_date()
    client_manager_a.get(reverse("tasks:reminder"))

    assert client_manager_a.session["_touched"] == touched
    assert client_manager_a.session.get_expiry_date() >= before


def test_a_session_idle_past_its_age_is_gone(client, manager_a, settings):
    settings.SESSION_COOKIE_AGE = 1
    _login(client, "pass")
    import time

    time.sleep(1.5)
    response = client.get(reverse("tasks:my_tasks"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_pages_with_personal_data_are_not_stored(client_manager_a, branch_a):
    client = ClientFactory(home_branch=branch_a)

    response = client_manager_a.get(reverse("client_history:client_card", args=[client.pk]))

    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_without_a_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200 and response.content == b"ok\n"


def test_healthz_says_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    assert client.get("/healthz").status_code == 503


def test_a_database_outage_answers_a_russian_503(client_manager_a, monkeypatch):
    from client_history import views

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views.selectors, "client_search", down)
    response = client_manager_a.get(reverse("client_history:client_search"), {"q": "Иванов"})

    assert response.status_code == 503
    assert "Сервис временно недоступен" in response.content.decode()
    assert response["Retry-After"] == "10"


@override_settings(DEBUG=False)
def test_a_query_error_is_not_dressed_as_an_outage(client_manager_a, monkeypatch):
    from client_history import views

    def bad(*args, **kwargs):
        raise OperationalError("no such column: nonsense")

    monkeypatch.setattr(views.selectors, "client_search", bad)
    client_manager_a.raise_request_exception = False
    response = client_manager_a.get(reverse("client_history:client_search"), {"q": "Иванов"})

    assert response.status_code == 500


def test_check_deploy_reports_nothing_with_the_production_variables(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "crm_workstation.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "Zq8#vL2@pX7!mN4$wR9%tB6^yC3&hF5*jD1(",
        "ALLOWED_HOSTS": "crm.example.local",
        "HTTPS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

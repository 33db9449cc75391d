"""The database going away: the 503 page wherever a request meets it (also in the middleware
that reads and saves the session, before and after any view), kept connections checked before
reuse, and a background worker that waits the outage out instead of exiting.

The outage drill (loadtest/outage_drill.sh) shows the same against a real PostgreSQL stopped
for 10 s under load."""

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import get_commands
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.management.commands import db_worker as upstream

from crm_workstation.management.commands import db_worker

REFUSED = (
    "connection failed: connection to server at 127.0.0.1, port 5432 failed: Connection refused"
)


def _down(*args, **kwargs):
    raise OperationalError(REFUSED)


def test_reading_the_session_from_a_lost_database_answers_the_503_page(
    client_manager_a, monkeypatch
):
    monkeypatch.setattr(SessionStore, "load", _down)
    client_manager_a.raise_request_exception = False

    response = client_manager_a.get(reverse("worksheets:stages"))

    text = response.content.decode()
    assert response.status_code == 503
    assert "Сервис временно недоступен" in text and "Traceback" not in text
    assert response["Retry-After"] == "10"


@override_settings(SESSION_SAVE_EVERY_REQUEST=True)
def test_saving_the_session_to_a_lost_database_answers_the_503_page(client_manager_a, monkeypatch):
    client_manager_a.get(reverse("tasks:my_tasks"))  # the session is read before the outage
    monkeypatch.setattr(SessionStore, "save", _down)
    client_manager_a.raise_request_exception = False

    response = client_manager_a.get(reverse("tasks:my_tasks"))

    assert response.status_code == 503
    assert "Сервис временно недоступен" in response.content.decode()


def test_a_query_error_outside_a_view_stays_a_server_error(client_manager_a, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such column: django_session.nonsense")

    monkeypatch.setattr(SessionStore, "load", broken)
    client_manager_a.raise_request_exception = False

    response = client_manager_a.get(reverse("worksheets:stages"))

    assert response.status_code == 500
    assert "Ошибка сервера" in response.content.decode()


def test_kept_connections_are_checked_before_a_request_reuses_them(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_manage_py_db_worker_is_the_one_that_waits_out_an_outage():
    assert get_commands()["db_worker"] == "crm_workstation"


def _worker() -> db_worker.OutageTolerantWorker:
    return db_worker.OutageTolerantWorker(
        queue_names=["default"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )


def test_the_worker_waits_while_the_database_is_down_and_carries_on(monkeypatch, caplog):
    rounds = []

    def upstream_run(self):
        rounds.append(len(rounds))
        if len(rounds) < 3:
            raise OperationalError(REFUSED)  # down twice, then back

    monkeypatch.setattr(upstream.Worker, "run", upstream_run)
    slept = []
    monkeypatch.setattr(db_worker.time, "sleep", slept.append)

    with caplog.at_level(logging.WARNING, logger=db_worker.__name__):
        _worker().run()

    assert rounds == [0, 1, 2]
    assert slept == [db_worker.RETRY_SECONDS] * 2
    assert caplog.text.count("database unavailable") == 2


def test_the_worker_stops_on_an_error_that_is_not_an_outage(monkeypatch):
    def upstream_run(self):
        raise OperationalError("no such table: django_tasks_database_dbtaskresult")

    monkeypatch.setattr(upstream.Worker, "run", upstream_run)

    with pytest.raises(OperationalError, match="no such table"):
        _worker().run()


def test_a_worker_told_to_stop_during_an_outage_stops(monkeypatch):
    rounds = []

    def upstream_run(self):
        rounds.append(len(rounds))
        self.running = False  # SIGTERM arrived while the database was down
        raise OperationalError(REFUSED)

    monkeypatch.setattr(upstream.Worker, "run", upstream_run)
    monkeypatch.setattr(db_worker.time, "sleep", lambda seconds: None)

    _worker().run()

    assert rounds == [0]

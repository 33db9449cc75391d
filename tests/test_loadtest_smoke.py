"""The load test cannot rot: its scenario runs for a few seconds, 5 managers and a head, against
two live gunicorn instances with a db_worker each, on a seeded size-S database of the suite's
own kind (a temporary SQLite file, or a database made on DATABASE_URL's PostgreSQL server and
dropped afterwards). Every action of the scenario must run and none may fail.

Locust monkey-patches the standard library with gevent: it runs as a separate process
(loadtest/stack.py), never imported here.
"""

import os
import uuid
from urllib.parse import urlsplit

import pytest

from loadtest import stack

USERS = 5
# The request names of every action (loadtest/locustfile.py); a tuple: any one of them.
EVERY_ACTION = [
    "GET /login/",
    "POST /login/ POST",
    "GET /stages/?stage=…",
    "GET /stages/?worksheet=… (htmx)",
    "GET /worksheets/<id>/",
    "GET /tasks/ (Мои задачи)",
    "GET /tasks/<id>/",
    "GET /tasks/reminder/",
    "POST /tasks/next/ (Следующая задача)",
    (
        "POST /tasks/<id>/ POST (no_answer)",
        "POST /tasks/<id>/ POST (interview)",
        "POST /tasks/<id>/ POST (refused)",
    ),
    ("GET /clients/?q=…", "GET /clients/?q=… (htmx)"),
    "GET /clients/<id>/history/",
    "GET /selections/upload/",
    "POST /selections/upload/ POST",
    "GET /selections/batches/<id>/progress/ (htmx)",
    "GET /selections/batches/<id>/",
    "JOB importer file: upload → read by db_worker",
]


@pytest.fixture
def load_database(tmp_path):
    """A database of the suite's kind, for the servers (not pytest-django's test database)."""
    suite = os.environ.get("DATABASE_URL", "")
    if suite.startswith("postgres"):
        name = f"{urlsplit(suite).path.lstrip('/') or 'crm'}_smoke_{uuid.uuid4().hex[:8]}"
        url = stack.database_url_with_name(suite, name)
    else:
        url = f"sqlite:///{tmp_path / 'load.sqlite3'}"
    stack.database_create(url)
    try:
        yield url
    finally:
        stack.database_drop(url)


def test_the_load_scenario_runs_every_action_without_a_failure(load_database, tmp_path):
    stack.database_seed(stack.base_env(load_database), size="S", users=USERS)
    env = stack.base_env(
        load_database, MEDIA_ROOT=str(tmp_path / "media"), IMPORTER_INLINE_MAX_ROWS="0"
    )
    with stack.Stack(env=env, log_dir=tmp_path) as servers:
        servers.start(count=2, workers=1)
        run = stack.LocustRun(
            users=USERS,
            spawn_rate=USERS,
            run_time="12s",
            out_prefix=tmp_path / "locust",
            classes=("ManagerUser", "HeadUser"),
            logins=USERS,
            wait="0.2,0.5",
            extra_env={"LOADTEST_TOUR": "1", "LOADTEST_JOB_TIMEOUT": "20"},
        )
        run.run(servers.urls, timeout=60)
    summary = stack.summarize(tmp_path / "locust")

    assert summary["failures"] == 0, summary["failure_reasons"]
    ran = {name for name, row in summary["endpoints"].items() if row["requests"]}
    missing = [
        names
        for names in EVERY_ACTION
        if not ran & set(names if isinstance(names, tuple) else [names])
    ]
    assert missing == [], f"never ran: {missing}"
    assert summary["importer_jobs"]["failures"] == 0
    logs = stack.server_log_problems(tmp_path)
    served = [count for key, count in logs.items() if key.startswith("requests served by")]
    assert len(served) == 2 and all(served), logs  # the managers' requests alternate
    assert logs["tracebacks"] == 0

"""Settings: without SECRET_KEY the project starts only in debug mode (never on a public key)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print('DEBUG', settings.DEBUG); print('KEY', settings.SECRET_KEY)"
)


def start(code: str = SETUP, *args: str, **env: str) -> subprocess.CompletedProcess:
    """A fresh process on the project's own settings, with only `env` of the variables
    that matter (the test suite's throwaway key is not passed on)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=PROJECT,
        env={**base, "DJANGO_SETTINGS_MODULE": "crm_workstation.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("debug", [None, "0", "false", "off"])
def test_without_secret_key_and_without_debug_the_project_refuses_to_start(debug):
    env = {} if debug is None else {"DEBUG": debug}
    result = start(**env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: Не задан SECRET_KEY")
    assert "DEBUG=1" in last
    assert "KEY" not in result.stdout


def test_a_blank_secret_key_is_no_key():
    result = start(SECRET_KEY="   ", DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured: Не задан SECRET_KEY" in result.stderr


def test_with_debug_on_the_development_key_is_used():
    result = start(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout
    assert "KEY django-insecure-" in result.stdout


def test_a_given_key_is_used_without_debug():
    result = start(SECRET_KEY="a-long-random-production-key", DEBUG="0")
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    assert "KEY a-long-random-production-key" in result.stdout


def test_manage_py_refuses_without_a_key_and_check_deploy_flags_the_development_key():
    refused = start("", "manage.py", "check")
    assert refused.returncode != 0
    assert "Не задан SECRET_KEY" in refused.stderr

    debug = start("", "manage.py", "check", "--deploy", DEBUG="1")
    assert "security.W009" in debug.stderr  # the development key is not a secret
    assert "security.W018" in debug.stderr  # DEBUG is on

    strong = "k" + "".join(chr(48 + (i * 7) % 75) for i in range(60))
    deployed = start("", "manage.py", "check", "--deploy", SECRET_KEY=strong)
    assert "security.W009" not in deployed.stderr
    assert "security.W018" not in deployed.stderr


def database_setting(expression: str, **env: str) -> str:
    """What `expression` (of the default database's settings, `db`) prints in a fresh
    process in debug mode with `env`."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"db = settings.DATABASES['default']; print({expression})"
    )
    result = start(code, DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_an_empty_database_url_means_the_default_sqlite_file():
    printed = database_setting("db['ENGINE'], db['NAME']", DATABASE_URL="")
    assert printed.split() == ["django.db.backends.sqlite3", str(PROJECT / "db.sqlite3")]


def test_postgresql_connections_get_room_for_hashes_no_jit_and_keep_the_urls_options():
    options = "db['OPTIONS']['options']"
    plain = database_setting(options, DATABASE_URL="postgres://u@db.example:5432/crm")
    assert plain == "-c work_mem=64MB -c jit=off"
    tuned = database_setting(
        options,
        PG_WORK_MEM="16MB",
        DATABASE_URL="postgres://u@db.example:5432/crm?options=-c%20statement_timeout%3D5000",
    )
    assert tuned == "-c work_mem=16MB -c jit=off -c statement_timeout=5000"

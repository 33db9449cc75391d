#!/usr/bin/env bash
# Set everything up and run the whole test suite (lint, unit, integration and browser tests).
# Uses SQLite unless DATABASE_URL points elsewhere (CI runs it on both).
set -euo pipefail
cd "$(dirname "$0")"

source scripts/venv.sh
ensure_venv "[dev]"
ensure_chromium

ruff check .
ruff format --check .
# The suite's settings (tests/settings.py) give a throwaway SECRET_KEY: no secret is needed here.
DJANGO_SETTINGS_MODULE=tests.settings python manage.py makemigrations --check --dry-run >/dev/null
# Browser tests run after the rest, in one process: their live server commits for real and
# the flush after each one empties the tables the data migrations filled, which a test that a
# parallel worker happened to run next would miss.
# Exit status 5 means "no test selected" (e.g. `./test.sh -k search` selects no browser test).
python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile -m "not e2e" "$@" || [[ $? -eq 5 ]]
export DJANGO_ALLOW_ASYNC_UNSAFE=1  # Playwright's sync API runs beside the live server.
python -m pytest -m e2e "$@" || [[ $? -eq 5 ]]

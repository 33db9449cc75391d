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
python manage.py makemigrations --check --dry-run >/dev/null
export DJANGO_ALLOW_ASYNC_UNSAFE=1  # Playwright's sync API runs beside the live server.
python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile "$@"

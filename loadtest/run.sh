#!/usr/bin/env bash
# The load test: loadtest/run.sh [run.py options], e.g.
#   loadtest/run.sh --size M --instances 1 --run-time 2m
#   loadtest/run.sh --size M --instances 2 --run-time 2m --reuse-db
# run.py creates and seeds the database, starts gunicorn and the db_workers on 127.0.0.1, runs
# locust headless and prints requests/s, p50/p95/p99 and failures. Whatever it started is
# stopped when it ends or fails; Ctrl-C or SIGTERM to this script reaches run.py through the
# trap below as SIGTERM, on which it stops its servers, workers and locust before exiting.
set -euo pipefail
cd "$(dirname "$0")/.."
source .venv/bin/activate
python loadtest/run.py "$@" &
driver=$!
trap 'kill -TERM "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true' INT TERM HUP
wait "$driver"

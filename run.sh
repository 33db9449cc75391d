#!/usr/bin/env bash
# Set everything up and run the workstation on SQLite with demo data and demo users.
#   ./run.sh            serve on http://127.0.0.1:8000
#   ./run.sh --port N   serve on port N
set -euo pipefail
cd "$(dirname "$0")"

port=8000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --port=*) port="${1#*=}"; shift ;;
    *) echo "usage: ./run.sh [--port N]" >&2; exit 2 ;;
  esac
done

source scripts/venv.sh
ensure_venv ""

export DEBUG="${DEBUG:-1}"
python manage.py migrate --noinput
python manage.py seed_demo --size S --if-empty
echo
echo "АРМ менеджер CRM: http://127.0.0.1:${port}/"
exec python manage.py runserver "127.0.0.1:${port}"

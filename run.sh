#!/usr/bin/env bash
# Set everything up and run the workstation on SQLite with demo data and demo users.
#   ./run.sh            serve on http://127.0.0.1:8000 with the workstation's Russian error pages
#   ./run.sh --port N   serve on port N
#   DEBUG=1 ./run.sh    Django's debug pages (tracebacks) instead of the error pages
# The arguments and the port are checked before anything is installed, migrated or printed.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'EOF'
Использование: ./run.sh [--port ПОРТ]

Готовит окружение (.venv), применяет миграции, при первом запуске загружает демо-данные,
печатает демо-логины и запускает АРМ на http://127.0.0.1:ПОРТ/ (база SQLite db.sqlite3).

  --port ПОРТ   порт от 1 до 65535, по умолчанию 8000
  -h, --help    эта справка

  DEBUG=1 ./run.sh   режим отладки: вместо страниц ошибок АРМ — отладочные страницы Django
EOF
}

# One line on stderr and exit status 2: the command line is wrong.
refuse() {
  echo "run.sh: $1" >&2
  exit 2
}

port=8000
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --port)
      [[ $# -ge 2 && -n "$2" ]] || refuse "после --port нужен номер порта, например: ./run.sh --port 8080"
      port="$2"
      shift 2
      ;;
    --port=*)
      port="${1#*=}"
      [[ -n "$port" ]] || refuse "после --port= нужен номер порта, например: ./run.sh --port=8080"
      shift
      ;;
    *)
      echo "run.sh: неизвестный аргумент «$1»" >&2
      usage >&2
      exit 2
      ;;
  esac
done

if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
  refuse "порт «${port}» — не число от 1 до 65535"
fi
port=$((10#$port))

command -v python3 >/dev/null || { echo "run.sh: не найден python3 (нужна версия 3.11 или новее)" >&2; exit 1; }

# The same bind the development server will do (it sets SO_REUSEADDR too).
port_problem="$(
  python3 - "$port" <<'EOF'
import errno
import socket
import sys

port = int(sys.argv[1])
with socket.socket() as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(f"порт {port} уже занят другой программой: выберите другой, например --port {port + 1 if port < 65535 else 8080}")
        elif error.errno == errno.EACCES:
            print(f"нет прав занять порт {port}: выберите порт от 1024, например --port 8080")
        else:
            print(f"порт {port} недоступен: {error.strerror}")
EOF
)"
if [[ -n "$port_problem" ]]; then
  echo "run.sh: ${port_problem}" >&2
  exit 1
fi

source scripts/venv.sh
ensure_venv ""

# Error pages as users see them unless DEBUG=1 is asked for. With DEBUG off the project needs a
# SECRET_KEY: this machine's own random one, kept in .run-state/ (not in git).
export DEBUG="${DEBUG:-0}"
if [[ -z "${SECRET_KEY:-}" ]]; then
  if [[ ! -s .run-state/secret_key ]]; then
    mkdir -p .run-state
    (umask 077 && python -c "import secrets; print(secrets.token_urlsafe(50))" >.run-state/secret_key)
  fi
  SECRET_KEY="$(cat .run-state/secret_key)"
  export SECRET_KEY
fi

python manage.py migrate --noinput
python manage.py seed_demo --size S --if-empty
echo
debug="$(echo "$DEBUG" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')"
if [[ "$debug" =~ ^(1|true|yes|on)$ ]]; then  # as settings.env_bool reads it
  echo "Режим отладки (DEBUG=${DEBUG}): ошибки показываются отладочными страницами Django."
fi
echo "АРМ менеджер CRM: http://127.0.0.1:${port}/"
# Static files come from static/ through WhiteNoise's finders (also with DEBUG off): the
# collectstatic folder it would look at first is not needed here, nor its warning.
exec python -W "ignore:No directory at:UserWarning" manage.py runserver "127.0.0.1:${port}"

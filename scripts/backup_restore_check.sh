#!/usr/bin/env bash
# Test the README's backup and restore once, for real:
#   1. a source database is migrated and seeded (seed_demo --size S),
#   2. backed up exactly as the README says (pg_dump -Fc),
#   3. restored exactly as the README says (pg_restore -d into an empty database),
#   4. every table's row count and every sequence (the РЛ-/ЗД-/ЗС- number counters among them)
#      compared between the two, and
#   5. the app run against the restored database: manage.py check, no unapplied migration,
#      /healthz and a logged-in page through Django's test client.
# Prints the comparison; exits non-zero on any difference. Both databases are dropped at the
# end (KEEP=1 keeps them).
#
# Usage:  scripts/backup_restore_check.sh [source_db] [restored_db]
#   PGHOST / PGPORT / PGUSER as for psql (default 127.0.0.1:5432, postgres); SIZE=S|M|L.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC="${1:-crm_backup_check_src}"
DST="${2:-crm_backup_check_dst}"
SIZE="${SIZE:-S}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
URL_BASE="postgres://${PGUSER}@${PGHOST}:${PGPORT}"
WORK="$(mktemp -d)"
DUMP="$WORK/crm-$(date +%F).dump"

# shellcheck disable=SC1091
source .venv/bin/activate
export DEBUG=1

cleanup() {
  rm -rf "$WORK"
  if [[ "${KEEP:-0}" != 1 ]]; then
    dropdb --if-exists "$SRC"
    dropdb --if-exists "$DST"
  fi
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "source database $SRC: migrate and seed_demo --size $SIZE"
dropdb --if-exists "$SRC"
createdb "$SRC"
DATABASE_URL="$URL_BASE/$SRC" python manage.py migrate --verbosity 0
DATABASE_URL="$URL_BASE/$SRC" python manage.py seed_demo --size "$SIZE" --verbosity 0 >/dev/null

step "backup (README): pg_dump -Fc $SRC > $(basename "$DUMP")"
start=$SECONDS
pg_dump -Fc "$SRC" > "$DUMP"
echo "dump: $(du -h "$DUMP" | cut -f1) in $((SECONDS - start)) s"

step "restore (README): pg_restore -d $DST $(basename "$DUMP") into an empty database"
dropdb --if-exists "$DST"
createdb "$DST"
start=$SECONDS
pg_restore -d "$DST" "$DUMP"
echo "restored in $((SECONDS - start)) s"

counts() {
  # "table|rows" for every table of the public schema, then "sequence:name|last value".
  psql -X -At -d "$1" <<'SQL'
SELECT format('SELECT %L || ''|'' || count(*) FROM %I.%I', tablename, schemaname, tablename)
FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename
\gexec
SELECT 'sequence:' || sequencename || '|' || coalesce(last_value::text, '-')
FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename;
SQL
}

step "row counts: table | $SRC | $DST"
counts "$SRC" > "$WORK/src.txt"
counts "$DST" > "$WORK/dst.txt"
join -t'|' -a1 -a2 -e MISSING -o 0,1.2,2.2 "$WORK/src.txt" "$WORK/dst.txt" \
  | awk -F'|' '{ mark = ($2 == $3) ? "ok" : "DIFFERENT"; printf "%-60s %8s %8s  %s\n", $1, $2, $3, mark }' \
  | tee "$WORK/comparison.txt"
tables=$(grep -vc '^sequence:' "$WORK/src.txt")
rows=$(grep -v '^sequence:' "$WORK/src.txt" | awk -F'|' '{ s += $2 } END { print s }')
if grep -q DIFFERENT "$WORK/comparison.txt"; then
  echo "FAILED: the restored database differs from the source" >&2
  exit 1
fi
echo "all $tables tables ($rows rows) and every sequence match"

step "the app against $DST"
export DATABASE_URL="$URL_BASE/$DST"
python manage.py check
python manage.py migrate --check --verbosity 0 && echo "no unapplied migrations"
python manage.py shell --verbosity 0 -c '
from django.contrib.auth import get_user_model
from django.test import Client
from worksheets.models import Worksheet

http = Client(SERVER_NAME="localhost")
health = http.get("/healthz")
assert health.status_code == 200, health
print("/healthz:", health.status_code, health.content.decode().strip())
user = get_user_model().objects.filter(is_active=True, is_superuser=False).order_by("pk").first()
http.force_login(user)
for path in ("/tasks/", "/stages/", "/clients/?q=%D0%B0"):
    page = http.get(path)
    assert page.status_code == 200, (path, page.status_code)
    print(f"{path} as {user.username}:", page.status_code)
number = Worksheet.objects.order_by("-number").values_list("number", flat=True).first()
print("latest worksheet number:", number)
'
echo
echo "backup and restore: OK"

#!/usr/bin/env bash
# The outage drill on a PostgreSQL cluster of its own (never the one other work uses):
#   loadtest/outage_drill.sh [outage_drill.py options, e.g. --size M --instances 2]
# Creates the cluster «loadtest» on port 5433 if it is missing (trust for 127.0.0.1 only),
# starts it, runs loadtest/outage_drill.py (which stops it for --outage seconds mid-run and
# starts it again), and stops the cluster again when the drill ends, however it ends.
# Needs root (or the postgres user) for pg_createcluster / pg_ctlcluster.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${PG_VERSION:-15}"
cluster="${DRILL_CLUSTER:-loadtest}"
port="${DRILL_PORT:-5433}"

if ! pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {found = 1} END {exit !found}'; then
  pg_createcluster "$version" "$cluster" --port "$port"
fi
hba="/etc/postgresql/${version}/${cluster}/pg_hba.conf"
if ! grep -q '^host all all 127.0.0.1/32 trust$' "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"  # first match wins: loopback only
fi
pg_ctlcluster "$version" "$cluster" start 2>/dev/null || pg_ctlcluster "$version" "$cluster" reload
trap 'pg_ctlcluster "$version" "$cluster" stop -m fast 2>/dev/null || true' EXIT

source .venv/bin/activate
python loadtest/outage_drill.py --cluster "$version $cluster" \
  --database-url "postgres://postgres@127.0.0.1:${port}/postgres" "$@"

#!/usr/bin/env bash
# One command: set up and run the whole suite, on SQLite and then on a throwaway
# PostgreSQL server started here on loopback (and stopped at the end).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
apt_ensure "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_venv
cd "$ROOT"

echo "==> tests on SQLite"
"$VENV/bin/python" -m pytest "$@"

echo "==> tests on PostgreSQL"
source "$ROOT/scripts/postgres.sh"
start_postgres
trap stop_postgres EXIT
TEST_DATABASE_URL="$PG_URL" "$VENV/bin/python" -m pytest "$@"

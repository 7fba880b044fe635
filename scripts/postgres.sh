# A throwaway PostgreSQL cluster on 127.0.0.1 for the tests (no systemd needed).
PG_PORT="${PG_PORT:-54329}"
PG_DIR="${PG_DIR:-/tmp/procure-pg-$PG_PORT}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"

as_pg() {
  # initdb refuses to run as root: use the postgres system user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  [ -n "$PG_BIN" ] || { echo "error: PostgreSQL binaries not found" >&2; exit 1; }
  stop_postgres 2>/dev/null || true
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c full_page_writes=off" start >/dev/null
  echo "==> PostgreSQL on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  if [ -d "$PG_DIR/data" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

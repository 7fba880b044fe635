#!/usr/bin/env bash
# One command: set up (system packages, .venv, migrations, demo seed) and serve on SQLite.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$ROOT/scripts/setup.sh"
echo "==> serving http://127.0.0.1:${PORT:-5000}  (demo password: demo-password)"
cd "$ROOT"
exec "$VENV/bin/gunicorn" --no-control-socket --bind "127.0.0.1:${PORT:-5000}" \
  --workers 2 --threads 4 --access-logfile - "procure.wsgi:app"

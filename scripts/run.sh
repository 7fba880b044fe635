#!/usr/bin/env bash
# One command: set up (system packages, .venv, migrations, demo seed) and serve on SQLite.
# Card payments in the demo go to a local Stripe stand-in (localstripe, test keys only) unless
# STRIPE_SECRET_KEY is set in the environment.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
PORT="${PORT:-5000}"
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  STRIPE_PORT="${STRIPE_PORT:-8420}"
  "$VENV/bin/python" -c "import sys; from aiohttp import web; from localstripe.server import app; \
web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)" "$STRIPE_PORT" &
  LOCALSTRIPE_PID=$!
  trap 'kill $LOCALSTRIPE_PID 2>/dev/null' EXIT
  export STRIPE_SECRET_KEY=sk_test_demo STRIPE_API_BASE="http://127.0.0.1:$STRIPE_PORT" \
         STRIPE_WEBHOOK_SECRET=whsec_demo_local
  for _ in $(seq 50); do
    "$VENV/bin/python" - "$STRIPE_API_BASE" "$PORT" <<'PY' && break
import sys, urllib.parse, urllib.request
base, port = sys.argv[1], sys.argv[2]
data = urllib.parse.urlencode({"url": f"http://127.0.0.1:{port}/webhooks/stripe", "secret": "whsec_demo_local",
                               "events[]": "payment_intent.succeeded"}).encode()
try:  # localstripe may still be starting: the loop above tries again (bounded)
    urllib.request.urlopen(urllib.request.Request(f"{base}/_config/webhooks/demo", data=data,
                           headers={"Authorization": "Bearer sk_test_demo"}), timeout=1)
except OSError:
    sys.exit(1)
PY
    sleep 0.2
  done
  echo "==> local Stripe stand-in (localstripe) on $STRIPE_API_BASE"
fi
echo "==> serving http://127.0.0.1:$PORT  (demo password: demo-password)"
"$VENV/bin/gunicorn" --no-control-socket --bind "127.0.0.1:$PORT" \
  --workers 2 --threads 4 --access-logfile - "procure.wsgi:app"

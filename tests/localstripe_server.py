"""A localstripe server for tests: started on 127.0.0.1 in a subprocess, stopped afterwards.

    with running_localstripe() as base_url:           # e.g. "http://127.0.0.1:40123"
        StripeGateway("sk_test_x", base_url).pay(...)

A missing or broken localstripe fails the tests loudly (RuntimeError, never a skip).

Two things differ from `localstripe --port N` (which listens on all interfaces):
- No state on disk. localstripe's Store writes /tmp/localstripe.pickle (a fixed path, whatever the
  cwd or TMPDIR) after every change, and the CLI reloads it on start. Here the subprocess replaces
  Store.try_load_from_disk/dump_to_disk with no-ops, so every server starts empty and no run
  leaves or reads state (nor races another run on that file).
- Idempotency keys. localstripe 1.15.10 ignores the Idempotency-Key header (the same key creates a
  second PaymentIntent, i.e. a second charge). Real Stripe replays the first result, so the
  subprocess adds a small middleware that does what Stripe documents: a POST with a key already
  used (per API key) gets the first response back (header `Idempotent-Replayed: true`); the same key
  with different parameters gets 400 `idempotency_error`; the same key while the first request is
  still running gets 409. Pass idempotency=False for localstripe's own behaviour.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

_AUTH = {"Authorization": "Bearer sk_test_localstripe_helper"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: str, limit: int = 3000) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-limit:]
    except OSError:
        return ""


@contextlib.contextmanager
def running_localstripe(timeout: float = 20.0, idempotency: bool = True) -> Iterator[str]:
    """Start localstripe on 127.0.0.1 (free port) in a subprocess; yield its base URL; stop it."""
    workdir = tempfile.mkdtemp(prefix="localstripe-")
    log_path = os.path.join(workdir, "server.log")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # Output goes to a file, not a pipe: nobody reads a pipe while the tests run, and a full pipe
    # would block the server.
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve", str(port), "1" if idempotency else "0"],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_answering(process, base, log_path, timeout)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_until_answering(process: subprocess.Popen, base: str, log_path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {process.returncode} before answering on {base}:\n"
                               f"{_log_tail(log_path)}")
        try:
            request = urllib.request.Request(f"{base}/v1/customers", headers=_AUTH)
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError as exc:  # URLError, HTTPError, ConnectionError, TimeoutError
            last_error = exc
        if time.monotonic() > deadline:
            raise RuntimeError(f"localstripe did not answer on {base} within {timeout:.0f} s "
                               f"({last_error!r}):\n{_log_tail(log_path)}")
        time.sleep(0.1)


def configure_webhook(base_url: str, webhook_id: str, url: str, secret: str, events: list[str]) -> None:
    """Make localstripe send events of these types to `url`, signed with `secret`
    (POST /_config/webhooks/<id>; the same id again replaces that webhook)."""
    data = urllib.parse.urlencode([("url", url), ("secret", secret)] + [("events[]", e) for e in events]).encode()
    request = urllib.request.Request(f"{base_url}/_config/webhooks/{urllib.parse.quote(webhook_id, safe='')}",
                                     data=data, method="POST", headers=_AUTH)
    with urllib.request.urlopen(request, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"localstripe refused the webhook configuration: HTTP {response.status}")


# --- the subprocess ----------------------------------------------------------------------------

def _idempotency_middleware():
    """Stripe's idempotency for POSTs, in front of localstripe (see the module docstring)."""
    from aiohttp import web

    done: dict[tuple[str, str], tuple[tuple, int, bytes, str]] = {}
    running: set[tuple[str, str]] = set()

    def error(status: int, message: str) -> web.Response:
        return web.json_response({"error": {"type": "idempotency_error", "message": message}}, status=status)

    @web.middleware
    async def idempotency(request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        scope = (request.headers.get("Authorization", ""), key)
        fingerprint = (request.method, request.path_qs, await request.read())
        if scope in done:
            first, status, body, content_type = done[scope]
            if first != fingerprint:
                return error(400, f"Keys for idempotent requests can only be used with the same parameters "
                                  f"they were first used with. Try using a key other than '{key}' if you "
                                  f"meant to execute a different request.")
            return web.Response(status=status, body=body, content_type=content_type,
                                headers={"Idempotent-Replayed": "true"})
        if scope in running:
            return error(409, "There is currently another in-progress request using this Idempotent Key "
                              "(that probably means you submitted twice, and the other request is still "
                              "going through). Please retry your request later.")
        running.add(scope)
        try:
            response = await handler(request)
            # Like Stripe: a result is kept once the endpoint ran (declines included), not for
            # requests refused before running (bad parameters, authentication, rate limits).
            if isinstance(response, web.Response) and response.status not in (400, 401, 409, 429):
                done[scope] = (fingerprint, response.status, bytes(response.body or b""),
                               response.content_type)
            return response
        finally:
            running.discard(scope)

    return idempotency


def _serve(port: int, idempotency: bool) -> None:
    from aiohttp import web

    from localstripe import resources
    resources.Store.try_load_from_disk = lambda self: None  # no /tmp/localstripe.pickle, read or written
    resources.Store.dump_to_disk = lambda self: None
    from localstripe.server import app

    if idempotency:
        app.middlewares.insert(0, _idempotency_middleware())  # outermost: sees localstripe's error responses
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "--serve":
        sys.exit(f"usage: {sys.argv[0]} --serve PORT 1|0")
    _serve(int(sys.argv[2]), sys.argv[3] == "1")

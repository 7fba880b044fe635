"""A localstripe server for tests: started on 127.0.0.1 in a subprocess, stopped afterwards.
A missing or broken localstripe fails the tests loudly (never a skip)."""
from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SERVER = ("import sys; from aiohttp import web; from localstripe.server import app; "
          "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_localstripe(timeout: float = 20.0):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"localstripe exited: {process.stderr.read().decode()[-2000:]}")
            try:
                request = urllib.request.Request(f"{base}/v1/customers", headers={"Authorization": "Bearer sk_test_x"})
                urllib.request.urlopen(request, timeout=1).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def configure_webhook(base_url: str, webhook_id: str, url: str, secret: str, events: list[str]) -> None:
    """Make localstripe send signed events to `url`."""
    data = urllib.parse.urlencode([("url", url), ("secret", secret)] + [("events[]", e) for e in events]).encode()
    request = urllib.request.Request(f"{base_url}/_config/webhooks/{webhook_id}", data=data, method="POST",
                                     headers={"Authorization": "Bearer sk_test_x"})
    urllib.request.urlopen(request, timeout=5).read()


__all__ = ["running_localstripe", "configure_webhook", "json"]

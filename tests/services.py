"""Real services for tests, started on loopback and stopped after: Redis, and app processes
(workers, web servers) run as an operator would run them, so they can be killed like one.

A missing binary fails loudly (RuntimeError), never a skip."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_redis() -> Iterator[str]:
    """A private redis-server (no persistence) on a free loopback port: its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server; scripts/test.sh does)")
    folder, port = tempfile.mkdtemp(prefix="procure-redis-"), free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", folder],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start (exit {process.poll()})")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        shutil.rmtree(folder, ignore_errors=True)


def app_environment(database_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret", TENDER_SEAL_KEY="test-tender-seal-key",
               PYTHONPATH=str(ROOT), FLASK_APP="procure", PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


class AppProcess:
    """`flask <args>` (or any command) in its own process group, its output in a file."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log, self.env = log, env
        self.handle = open(log, "wb")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @classmethod
    def flask(cls, *args: str, env: dict, log: Path) -> "AppProcess":
        return cls([sys.executable, "-m", "flask", "--app", "procure", *args], env, log)

    def kill(self) -> None:
        """SIGKILL the whole process group, as the kernel's OOM killer or `kill -9` would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.wait_group_gone(5)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()
        self.wait_group_gone(5)

    def wait_group_gone(self, timeout: float) -> bool:
        """Children end a moment after their parent (multiprocessing's resource tracker, say):
        wait for that, never kill them, so that a test can still see one left behind."""
        deadline = time.monotonic() + timeout
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.group_alive()

    def output(self, limit: int = 4000) -> str:
        self.handle.flush()
        return self.log.read_bytes().decode("utf-8", "replace")[-limit:]

    def group_alive(self) -> bool:
        """Whether any process of its group is left (a child it started, say)."""
        try:
            os.killpg(self.process.pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

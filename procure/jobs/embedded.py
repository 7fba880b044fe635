"""The embedded backend (the default; `./scripts/run.sh` needs nothing else): worker threads in
the app's process take queued job rows from the database. Durable, because the row is the
queue: a job whose process died is found by its expired lease (`runner.reap`) and run again or
failed with its reason, by this process after a restart or by any other process of the app.

Threads start when there is work (a job submitted, a page polling one, a restart) and end after
a short idle time, so a process with nothing to do polls nothing. `flask jobs work` runs the
same loop in the foreground, as a separate worker process beside the web servers."""
from __future__ import annotations

import threading
import time

from flask import current_app

from procure.extensions import db
from procure.jobs import runner


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, app, workers: int = 2, idle_seconds: float = 3.0, poll_seconds: float = 0.5):
        self.app, self.workers, self.idle_seconds, self.poll_seconds = app, workers, idle_seconds, poll_seconds
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.last_reap = 0.0

    def enqueue(self, job_id: int) -> None:
        self.kick()

    def kick(self) -> None:
        """Put dead workers' jobs back (now and then) and make sure enough workers are awake."""
        if self.stopping.is_set():
            return
        self._reap_now_and_then()
        self.wake.set()
        with self.lock:
            self.threads = [t for t in self.threads if t.is_alive()]
            while len(self.threads) < self.workers:
                thread = threading.Thread(target=self._loop, name=f"job-worker-{len(self.threads)}", daemon=True)
                self.threads.append(thread)
                thread.start()

    def _loop(self, forever: bool = False) -> None:
        idle_since = time.monotonic()
        with self.app.app_context():
            while not self.stopping.is_set():
                ran = self.work_once()
                if ran:
                    idle_since = time.monotonic()
                    continue
                if not forever and time.monotonic() - idle_since > self.idle_seconds:
                    return
                self.wake.wait(self.poll_seconds)
                self.wake.clear()

    def work_once(self) -> bool:
        """Reap now and then, then run the first queued job this worker can claim."""
        try:
            self._reap_now_and_then()
            for job_id in runner.queued_ids():
                if runner.run_job(job_id):
                    return True
            return False
        except Exception:  # the database went away a moment: log, wait, go on
            current_app.logger.exception("job worker: could not look at the queue")
            db.session.remove()
            time.sleep(self.poll_seconds)
            return False

    def stop(self, timeout: float = 10) -> None:
        """No new work; wait for the running jobs' threads (the app is going away)."""
        self.stopping.set()
        self.wake.set()
        for thread in list(self.threads):
            thread.join(timeout)

    def _reap_now_and_then(self) -> None:
        if time.monotonic() - self.last_reap > runner.lease_seconds() / 3:
            self.last_reap = time.monotonic()
            runner.reap()

    def work_forever(self) -> None:
        """The foreground loop of `flask jobs work` (stops on SIGTERM/SIGINT with the process)."""
        self._loop(forever=True)

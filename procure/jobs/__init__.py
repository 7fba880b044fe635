"""Background work with progress the UI can poll: one small interface, two backends.

`submit(kind, "module:function", owner_id, **arguments)` records a Job row in the current unit
of work; once that commits, the backend is told. A worker then calls
`function(job_id, progress, **arguments)`: arguments are plain values (ids, never local paths,
so any worker on any machine can run it), `progress(done, total, message)` reports and is where
a cancelled or timed-out job stops. The work commits with the job's "done", or not at all.

Backends (config JOB_BACKEND): "embedded" (default: worker threads in the app process, the
database as the queue) and "rq" (Redis, REDIS_URL, separate `flask jobs rq-worker` processes).
Both are durable: procure.jobs.runner keeps the lease and notices dead workers.
"""
from __future__ import annotations

import time

from flask import current_app

from procure import uow
from procure.extensions import db
from procure.jobs.model import Job
from procure.jobs.runner import ABANDON_HOOKS, JobStopped, failure_message, run_job  # noqa: F401
from procure.states import CANCELLED, DONE, FAILED, QUEUED, RUNNING  # noqa: F401


def init_app(app) -> None:
    name = app.config.get("JOB_BACKEND", "embedded")
    if name == "embedded":
        from procure.jobs.embedded import EmbeddedBackend

        backend = EmbeddedBackend(app, workers=app.config.get("JOB_WORKERS", 2))
    elif name == "rq":
        from procure.jobs.redis_queue import RqBackend

        backend = RqBackend(app)
    else:
        raise RuntimeError(f"JOB_BACKEND={name!r}: use 'embedded' or 'rq'")
    app.extensions["jobs"] = JobService(backend)
    from procure.jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)


class JobService:
    """What the app holds: the backend, and a bounded wait for CLI commands and tests."""

    def __init__(self, backend):
        self.backend = backend

    def enqueue(self, job_id: int) -> None:
        self.backend.enqueue(job_id)

    def kick(self) -> None:
        self.backend.kick()

    def stop(self) -> None:
        self.backend.stop()

    def wait(self, job_id: int, timeout: float = 60) -> Job:
        """Until the job has finished (any backend, any process running it); TimeoutError after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.backend.app.app_context():
            while True:
                job = db.session.get(Job, job_id)
                status = job.status if job else None
                db.session.remove()
                if job is None or status in (DONE, FAILED, CANCELLED):
                    return job
                if time.monotonic() > deadline:
                    raise TimeoutError(f"job {job_id} still {status} after {timeout} s")
                self.backend.kick()
                time.sleep(0.1)


def submit(kind: str, target: str, owner_id: int | None = None, *, timeout_seconds: int = 3600,
           max_attempts: int = 2, **arguments) -> Job:
    """Record the job row in the current unit of work; the backend gets it once that commits
    (a rolled-back request starts no job, and a worker never looks for an uncommitted row)."""
    job = Job(kind=kind, owner_id=owner_id, target=target, arguments=arguments, timeout_seconds=timeout_seconds,
              max_attempts=max_attempts)
    db.session.add(job)
    db.session.flush()
    service, job_id = current_app.extensions["jobs"], job.id
    uow.on_commit(lambda: service.enqueue(job_id))
    return job

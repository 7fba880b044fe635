"""Background work with progress the UI can poll: one small interface.

`submit(kind, func, **kwargs)` records a Job row and runs `func(job_id, progress,
**kwargs)` elsewhere. The embedded default is an in-process thread pool; the
seam (`JobBackend`) is where a real queue (RQ on Redis, Celery) plugs in via
config `JOB_BACKEND`, so app servers can scale out. `func` must be importable by
name (module:function) so that an out-of-process worker can run it too.
"""
from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, String, Text, update
from sqlalchemy.orm import Mapped, mapped_column

from procure import audit, state_guard, uow
from procure.dbtypes import UTCDateTime, utcnow
from procure.extensions import db

from procure.statemachine import SYSTEM
from procure.states import DONE, FAILED, JOB, QUEUED, RUNNING  # noqa: F401  (states and transitions)


class Job(db.Model):
    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(index=True)  # the user who started it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status, "done": self.done,
                "total": self.total, "message": self.message, "result": self.result,
                "error": self.error}


def _progress(job_id: int, **values) -> None:
    """Write job progress in its own short transaction (visible to pollers at once)."""
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(**values))


def _move(job_id: int, action: str, **values) -> None:
    """A change of the job's status, in its own short transaction (visible to pollers at once),
    through the job state machine and audited in that same transaction."""
    with db.engine.begin() as conn:
        state_guard.guarded_step(Job, JOB, action, SYSTEM, Job.id == job_id, values=values, connection=conn)


def _resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def failure_message(exc: Exception) -> str:
    """What a user and the audit log are told of a failed job: the error's own words, or a
    generic sentence for an error that has none; never a traceback."""
    from sqlalchemy.exc import DBAPIError

    text = "" if isinstance(exc, (OSError, DBAPIError)) else " ".join(str(exc).split())[:300]  # paths, SQL
    return text or f"処理中にエラーが発生しました（{type(exc).__name__}）。管理者にお問い合わせください"


def run_job(job_id: int, target: str, kwargs: dict) -> None:
    """Run one job to completion inside an app context (any backend calls this)."""
    func = _resolve(target)

    def progress(done: int, total: int | None = None, message: str | None = None) -> None:
        values = {"done": done}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:500]
        _progress(job_id, **values)

    owner = db.session.get(Job, job_id).owner_id
    uow.rollback()  # no read transaction held open while the work starts
    token = audit.set_actor(owner, f"job#{job_id}")
    _move(job_id, "start")
    try:
        result = func(job_id, progress, **kwargs)
        # The job's work and its "done" commit together.
        state_guard.guarded_step(Job, JOB, "finish", SYSTEM, Job.id == job_id,
                                 values={"result": result, "finished_at": utcnow()})
        uow.finish(True)
    except Exception as exc:  # recorded for the user; the job never dies silently
        uow.rollback()
        # The traceback (server paths, code) goes to the server log only; the job and its audit
        # row keep a short message a user can read.
        current_app.logger.exception("job %s failed", job_id)
        _move(job_id, "fail", error=failure_message(exc), finished_at=utcnow())
    finally:
        audit.reset_actor(token)
        db.session.remove()


class ThreadJobBackend:
    """In-process: fine for one server; jobs die with the process."""

    def __init__(self, app, workers: int = 2):
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self.futures = {}

    def enqueue(self, job_id: int, target: str, kwargs: dict):
        def work():
            with self.app.app_context():
                run_job(job_id, target, kwargs)

        future = self.pool.submit(work)
        self.futures[job_id] = future
        return future

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until a job of this process has finished (CLI and tests)."""
        future = self.futures.pop(job_id, None)
        if future is not None:
            future.result(timeout)


def init_app(app) -> None:
    backend = app.config.get("JOB_BACKEND", "thread")
    if backend != "thread":
        raise RuntimeError(f"JOB_BACKEND={backend!r} is not available in this build")
    app.extensions["jobs"] = ThreadJobBackend(app, workers=app.config.get("JOB_WORKERS", 2))


def submit(kind: str, target: str, owner_id: int | None = None, **kwargs) -> Job:
    """Record the job row in the current unit of work; the backend gets it once that commits
    (a rolled-back request starts no job, and a worker never looks for an uncommitted row)."""
    job = Job(kind=kind, owner_id=owner_id)
    db.session.add(job)
    db.session.flush()
    backend, job_id = current_app.extensions["jobs"], job.id
    uow.on_commit(lambda: backend.enqueue(job_id, target, kwargs))
    return job

"""Running one job under a lease, whatever carried "run job N" (an RQ worker or the embedded
workers), and noticing jobs whose worker died.

A worker claims a queued job with a guarded UPDATE (one winner), gets a lease token and renews
the lease from a heartbeat thread while the work runs. The work and the job's "done" commit
together; a job whose lease was lost (the owner cancelled it, or it was presumed dead and put
back) rolls back instead. `reap` puts a job whose lease ran out back in the queue while it has
attempts left, else fails it with a reason a user can act on, and lets its kind clean up."""
from __future__ import annotations

import importlib
import os
import socket
import threading
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from procure import audit, state_guard, uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.jobs.model import Job
from procure.statemachine import SYSTEM
from procure.states import CANCELLED, FAILED, JOB, QUEUED, RUNNING

INTERRUPTED = "中断されました（処理していたサーバーが停止しました）。再実行できます"
TIMED_OUT = "時間内に終わらなかったため中止しました（上限 {minutes} 分）。再実行できます"
CANCELLED_MESSAGE = "取り消されました"

# kind -> cleanup(job_id, arguments) when a job ends without its own code running to the end
# (abandoned by a dead worker, or cancelled while it waited): undo what its checkpoints kept.
ABANDON_HOOKS: dict = {}


class JobStopped(BaseException):
    """Raised inside a job's work when its lease is gone: cancelled, timed out or taken over.
    The runner rolls the work back. A BaseException, so that no `except Exception` in a job's
    work swallows it (its `finally` blocks still run)."""


def lease_seconds() -> int:
    return int(current_app.config.get("JOB_LEASE_SECONDS", 30))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:120]


def _resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def failure_message(exc: Exception) -> str:
    """What a user and the audit log are told of a failed job: the error's own words, or a
    generic sentence for an error that has none; never a traceback."""
    from sqlalchemy.exc import DBAPIError

    text = "" if isinstance(exc, (OSError, DBAPIError)) else " ".join(str(exc).split())[:300]  # paths, SQL
    return text or f"処理中にエラーが発生しました（{type(exc).__name__}）。管理者にお問い合わせください"


def _step(action: str, *where, values: dict | None = None, role: str = SYSTEM) -> bool:
    """A status change in its own short transaction (pollers see it at once), guarded and audited."""
    with db.engine.begin() as conn:
        return bool(state_guard.guarded_step(Job, JOB, action, role, *where, values=values, connection=conn))


def claim(job_id: int) -> str | None:
    """Take a queued job: its lease token, or None when another worker has it (or it is not queued)."""
    token, now = uuid.uuid4().hex, utcnow()
    won = _step("start", Job.id == job_id, values={
        "lease_token": token, "lease_until": now + timedelta(seconds=lease_seconds()), "worker": worker_name(),
        "attempts": Job.attempts + 1, "started_at": now, "error": None})
    return token if won else None


def _holding(job_id: int, token: str):
    return (Job.id == job_id, Job.status == RUNNING, Job.lease_token == token)


class Heartbeat(threading.Thread):
    """Renews the lease every third of it while the work runs; a lease it can no longer renew
    (cancelled, taken over) or a job past its time limit is flagged, and the work stops at its
    next progress report."""

    def __init__(self, app, job_id: int, token: str, timeout_seconds: int):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.app, self.job_id, self.token = app, job_id, token
        self.deadline = utcnow() + timedelta(seconds=timeout_seconds)
        self.timeout_seconds = timeout_seconds
        self.stopped = threading.Event()
        self.lost: str | None = None  # why the work must stop

    def run(self) -> None:
        with self.app.app_context():
            interval = max(lease_seconds() / 3, 0.2)
            while not self.stopped.wait(interval):
                if not self.renew():
                    return

    def renew(self) -> bool:
        now = utcnow()
        if now > self.deadline:
            self.lost = TIMED_OUT.format(minutes=max(1, self.timeout_seconds // 60))
            return False
        try:
            with db.engine.begin() as conn:
                renewed = conn.execute(update(Job).where(*_holding(self.job_id, self.token)).values(
                    lease_until=now + timedelta(seconds=lease_seconds()))).rowcount
        except Exception:  # the database is away for a moment: the lease has some slack
            current_app.logger.warning("job %s: lease not renewed", self.job_id, exc_info=True)
            return True
        if not renewed:
            self.lost = CANCELLED_MESSAGE
            return False
        return True


def run_job(job_id: int) -> bool:
    """Claim and run one job inside an app context. False when it was not ours to run."""
    token = claim(job_id)
    if token is None:
        return False
    job = db.session.get(Job, job_id)
    target, arguments, owner, timeout = job.target, dict(job.arguments or {}), job.owner_id, job.timeout_seconds
    uow.rollback()  # no read transaction held open while the work starts
    heartbeat = Heartbeat(current_app._get_current_object(), job_id, token, timeout)
    heartbeat.start()
    RUNNING_HERE[job_id] = threading.current_thread()
    actor = audit.set_actor(owner, f"job#{job_id}")

    def progress(done: int, total: int | None = None, message: str | None = None) -> None:
        if heartbeat.lost:
            raise JobStopped(heartbeat.lost)
        values = {"done": done}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:500]
        with db.engine.begin() as conn:
            if not conn.execute(update(Job).where(*_holding(job_id, token)).values(**values)).rowcount:
                raise JobStopped(CANCELLED_MESSAGE)

    try:
        result = _resolve(target)(job_id, progress, **arguments)
        # The job's work and its "done" commit together, and only while the lease is still ours.
        if not state_guard.guarded_step(Job, JOB, "finish", SYSTEM, Job.id == job_id, Job.lease_token == token,
                                        values={"result": result, "finished_at": utcnow(), "lease_until": None}):
            raise JobStopped(CANCELLED_MESSAGE)
        uow.finish(True)
    except JobStopped as stopped:
        uow.rollback()
        if heartbeat.lost and heartbeat.lost != CANCELLED_MESSAGE:  # our own time limit
            _step("fail", *_holding(job_id, token), values={"error": str(stopped), "finished_at": utcnow(),
                                                            "lease_until": None})
        if db.session.scalar(select(Job.status).where(Job.id == job_id)) in (CANCELLED, FAILED):
            _abandon(job_id)  # not when another worker took the job over
    except Exception as exc:  # recorded for the user; the job never dies silently
        uow.rollback()
        # The traceback (server paths, code) goes to the server log only; the job and its audit
        # row keep a short message a user can read.
        current_app.logger.exception("job %s failed", job_id)
        message = (TIMED_OUT.format(minutes=max(1, timeout // 60)) if type(exc).__name__ == "JobTimeoutException"
                   else failure_message(exc))  # RQ's own time limit
        _step("fail", *_holding(job_id, token), values={"error": message, "finished_at": utcnow(),
                                                        "lease_until": None})
    finally:
        RUNNING_HERE.pop(job_id, None)
        heartbeat.stopped.set()
        audit.reset_actor(actor)
        db.session.remove()
    return True


def _abandon(job_id: int) -> None:
    """Let the job's kind undo what its checkpoints kept (own unit of work, never raises)."""
    job = db.session.get(Job, job_id)
    hook = ABANDON_HOOKS.get(job.kind) if job else None
    if hook is None:
        return
    try:
        hook(job_id, dict(job.arguments or {}))
        uow.finish(True)
    except Exception:
        uow.rollback()
        current_app.logger.exception("job %s: cleanup after abandoning failed", job_id)


def reap(now=None) -> list[int]:
    """Jobs whose lease ran out (their worker died): back to the queue while attempts are left,
    else failed with a reason. Answers the ids put back, for the caller to hand to its queue."""
    now = now or utcnow()
    expired = db.session.execute(select(Job.id, Job.lease_token, Job.attempts, Job.max_attempts).where(
        Job.status == RUNNING, Job.lease_until < now)).all()
    uow.rollback()
    requeued, alive = [], _alive_here()
    for job_id, token, attempts, max_attempts in expired:
        if job_id in alive:  # its worker is this process and still running (a slow SQLite lock)
            continue
        where = (Job.id == job_id, Job.lease_token == token, Job.lease_until < now)
        if attempts < max_attempts:
            if _step("requeue", *where, values={"lease_token": None, "lease_until": None, "worker": None,
                                                "message": "再実行を待っています（前の処理が中断されました）"}):
                requeued.append(job_id)
        elif _step("fail", *where, values={"error": INTERRUPTED, "finished_at": now, "lease_until": None}):
            _abandon(job_id)
    return requeued


RUNNING_HERE: dict[int, threading.Thread] = {}  # job id -> the thread of this process running it


def _alive_here() -> set[int]:
    return {job_id for job_id, thread in list(RUNNING_HERE.items()) if thread.is_alive()}


def cancel(user, job_id: int) -> bool:
    """The owner (or the office) cancels a waiting or running job. A running one stops at its
    next progress report, rolls its work back and cleans up itself; a waiting one is cleaned up
    here. (Callers check who may: procure.job_views.)"""
    was = db.session.scalar(select(Job.status).where(Job.id == job_id))
    uow.rollback()
    if not _step("cancel", Job.id == job_id, values={"error": CANCELLED_MESSAGE, "finished_at": utcnow(),
                                                     "lease_token": None, "lease_until": None}, role=user.role.value):
        return False
    if was == QUEUED:
        _abandon(job_id)
    return True


def retry(user, job_id: int) -> bool:
    """Run a failed or cancelled job again, from the start, with fresh attempts."""
    return _step("retry", Job.id == job_id, values={"error": None, "finished_at": None, "attempts": 0, "done": 0,
                                                    "total": None, "message": None, "result": None},
                 role=user.role.value)


def queued_ids(limit: int = 20) -> list[int]:
    ids = db.session.scalars(select(Job.id).where(Job.status == QUEUED).order_by(Job.id).limit(limit)).all()
    uow.rollback()
    return list(ids)

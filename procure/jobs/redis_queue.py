"""The RQ backend (JOB_BACKEND=rq, REDIS_URL): for several app servers with separate worker
processes (`flask jobs rq-worker`, as many as wanted, on any machine that reaches the database
and Redis). Redis only carries "run job N"; the job row stays the truth, so a job lost with a
worker or with Redis itself is found again by its lease or its age and handed out once more
(a second delivery of the same job finds it claimed and does nothing).

Each worker is an RQ SimpleWorker (the job runs in the worker process itself: killing the
worker ends its job, nothing is left behind) with a reaper thread beside it."""
from __future__ import annotations

import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from procure import uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.jobs import runner
from procure.jobs.model import Job
from procure.states import QUEUED

QUEUE = "procure"


def _connection(url: str):
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)


class RqBackend:
    name = "rq"

    def __init__(self, app):
        from rq import Queue

        url = app.config.get("REDIS_URL")
        if not url:
            raise RuntimeError("JOB_BACKEND=rq needs REDIS_URL (redis://host:port/db)")
        self.app, self.url = app, url
        self.queue = Queue(QUEUE, connection=_connection(url))

    def enqueue(self, job_id: int) -> None:
        timeout = db.session.scalar(select(Job.timeout_seconds).where(Job.id == job_id)) or 3600
        self.queue.enqueue("procure.jobs.redis_queue.perform", job_id, job_id=f"procure-job-{job_id}",
                           job_timeout=timeout + 60, result_ttl=600, failure_ttl=86400)

    def kick(self) -> None:
        """What any process may do: put dead workers' jobs back and hand them out again."""
        for job_id in runner.reap():
            self.enqueue(job_id)

    def stop(self, timeout: float = 10) -> None:
        """Nothing runs in the app process itself."""

    def resend_stale(self, older_than: timedelta) -> int:
        """Queued jobs waiting longer than `older_than`: Redis may have lost them; send again."""
        ids = db.session.scalars(select(Job.id).where(Job.status == QUEUED,
                                                      Job.created_at < utcnow() - older_than)).all()
        uow.rollback()
        for job_id in ids:
            self.enqueue(job_id)
        return len(ids)

    def work(self, burst: bool = False) -> None:
        """`flask jobs rq-worker`: an RQ SimpleWorker on this queue, and a reaper thread."""
        from rq import SimpleWorker

        app = current_app._get_current_object()
        stop = threading.Event()

        def reaper():
            with app.app_context():
                while not stop.wait(max(runner.lease_seconds() / 3, 0.5)):
                    try:
                        self.kick()
                        self.resend_stale(timedelta(seconds=max(60, runner.lease_seconds() * 2)))
                    except Exception:
                        app.logger.exception("rq reaper")
                        db.session.remove()

        thread = threading.Thread(target=reaper, name="job-reaper", daemon=True)
        thread.start()
        try:
            SimpleWorker([QUEUE], connection=_connection(self.url)).work(burst=burst, with_scheduler=False)
        finally:
            stop.set()


def perform(job_id: int) -> None:
    """What an RQ worker runs: the job, in the worker's app context."""
    runner.run_job(job_id)

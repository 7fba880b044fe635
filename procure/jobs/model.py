"""A background job is a row: what to run (an importable function and its keyword arguments),
where it stands, and the lease of the worker running it. The row, not any queue, is the truth:
a queue (RQ) or the embedded workers only carry "run job N", and a job whose lease runs out is
put back or failed by whoever notices (procure.jobs.runner.reap)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from procure.dbtypes import UTCDateTime, utcnow
from procure.extensions import db
from procure.states import CANCELLED, DONE, FAILED, QUEUED


class Job(db.Model):
    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(index=True)  # the user who started it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What to run: "module:function", called as function(job_id, progress, **arguments)
    target: Mapped[str | None] = mapped_column(String(200))
    arguments: Mapped[dict | None] = mapped_column(JSON)
    # The lease: the claim of one worker (token), renewed by its heartbeat until lease_until
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(default=2, server_default="2")
    timeout_seconds: Mapped[int] = mapped_column(default=3600, server_default="3600")
    lease_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    worker: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED, CANCELLED)

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status, "done": self.done,
                "total": self.total, "message": self.message, "result": self.result,
                "error": self.error, "attempts": self.attempts}

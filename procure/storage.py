"""Files every app server and worker can read: uploads kept in the database by default (one
seam, `put`/`get`/`delete`, for an object store later), referenced by id, never by a local path.
Retention is explicit: each file says until when it is kept, and `flask files purge` (or any
caller of `purge`) deletes what has expired."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column, deferred

from procure.dbtypes import UTCDateTime, utcnow
from procure.extensions import db

DEFAULT_KEEP_DAYS = 90


class StoredFile(db.Model):
    __tablename__ = "stored_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)        # catalog_upload, invoice_pdf ...
    owner_id: Mapped[int | None] = mapped_column(index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    keep_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def put(data: bytes, *, kind: str, file_name: str, owner_id: int | None = None,
        keep_days: int = DEFAULT_KEEP_DAYS) -> int:
    """Store the bytes in the current unit of work; the id once flushed."""
    row = StoredFile(kind=kind, owner_id=owner_id, file_name=file_name[:200], size=len(data),
                     sha256=hashlib.sha256(data).hexdigest(), data=data,
                     keep_until=utcnow() + timedelta(days=keep_days))
    db.session.add(row)
    db.session.flush()
    return row.id


def get(file_id: int) -> bytes:
    data = db.session.scalar(select(StoredFile.data).where(StoredFile.id == file_id))
    if data is None:
        raise FileNotFoundError(f"stored file {file_id} is gone (past its retention?)")
    return bytes(data)


def delete_file(file_id: int) -> None:
    db.session.execute(delete(StoredFile).where(StoredFile.id == file_id))


def purge(now: datetime | None = None) -> int:
    """Delete files past their retention; the count."""
    return db.session.execute(delete(StoredFile).where(StoredFile.keep_until < (now or utcnow()))).rowcount

"""OCDS releases as published: each kept unchanged from the first time it is served, so that an
id a reader kept always resolves; what changed since is published as a new release
(`tenders.ocds.to_publish`). Serving a tender's releases publishes those not out yet."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from procure.extensions import db
from tenders import ocds
from tenders.models import OcdsRelease, Tender
from tenders.ocds_snapshot import process_of


def published_releases(tender: Tender, now: datetime, prefix: str) -> list[dict]:
    """Every release of the tender published so far, the new ones included, oldest first. Flushes."""
    published = _kept(tender.id)
    new = ocds.to_publish(published, ocds.releases(process_of(tender, now), prefix=prefix), now)
    if new:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # Two readers publishing the same release at once: the first one's row stands.
        db.session.execute(insert(OcdsRelease).values(
            [{"tender_id": tender.id, "release_id": release["id"], "published_at": now, "data": release}
             for release in new]).on_conflict_do_nothing(index_elements=["release_id"]))
        published = _kept(tender.id)
    return sorted(published, key=_when)


def _when(release: dict) -> tuple:
    return (0, "") if not release["date"] else (1, datetime.fromisoformat(release["date"]).timestamp())


def _kept(tender_id: int) -> list[dict]:
    return list(db.session.scalars(select(OcdsRelease.data).filter_by(tender_id=tender_id).order_by(OcdsRelease.id)))

"""The office's monthly invoice batch: every vendor x ward invoice of a month, then their PDFs
rendered on both cores. Runs as a background job with progress."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from invoicing import documents, service
from invoicing.models import SUPERSEDED, Invoice
from procure import uow
from procure.extensions import db
from procure.models import User, Vendor, Ward


def monthly_batch(job_id: int, progress, year: int, month: int, today: str, workers: int = 2) -> dict:
    """Generate what is billable (idempotent: already billed lines are not billed again), then
    render the PDF of every invoice of the month."""
    vendors = db.session.scalars(select(Vendor).order_by(Vendor.id)).all()
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    owner = db.session.scalar(select(User).where(User.id == _owner(job_id)))
    pairs, created = len(vendors) * len(wards), 0
    for done, (vendor, ward) in enumerate(((v, w) for v in vendors for w in wards), start=1):
        created += len(service.generate_invoice(vendor, ward, year, month, owner, date.fromisoformat(today)))
        # Each pair's invoices are kept as they are made: a batch stopped halfway goes on from
        # there (billed lines are not billed again), and progress is written without a lock held.
        uow.checkpoint("invoice batch: one vendor and ward done")
        if done % 10 == 0 or done == pairs:
            progress(done, pairs, "請求書を作成中")
    invoices = db.session.scalars(select(Invoice).where(
        Invoice.year == year, Invoice.month == month, Invoice.status != SUPERSEDED).order_by(Invoice.id)).all()
    pdfs = documents.render_many(invoices, progress, workers=workers)
    return {"created": created, "invoices": len(invoices), "pdfs": pdfs}


def _owner(job_id: int) -> int | None:
    from procure.jobs import Job

    job = db.session.get(Job, job_id)
    return job.owner_id if job else None

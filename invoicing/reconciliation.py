"""Reconciling card payments with the provider (Stripe): an office action that runs as a job.

The payments to check (card payments still pending, and those paid in the last RECENT_DAYS) are
read first and the read transaction ended; the provider is asked with no transaction open; the
findings are then written in the job's unit of work. A finding stays open until a later run no
longer finds it."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, false, func, or_, select, text, update

from invoicing import reconcile
from invoicing.models import CardFinding, Payment
from invoicing.states import PENDING, SUCCEEDED
from procure import uow
from procure.dbtypes import utcnow
from procure.extensions import db

RECENT_DAYS = 90


def _local_payments(now: datetime) -> list[reconcile.LocalPayment]:
    rows = db.session.scalars(select(Payment).where(Payment.method == "stripe", or_(
        Payment.status == PENDING,
        and_(Payment.status == SUCCEEDED, Payment.paid_at >= now - timedelta(days=RECENT_DAYS)))))
    return [reconcile.LocalPayment(p.invoice_id, p.status, p.stripe_intent_id) for p in rows]


def _provider_charges(gateway) -> list[reconcile.ProviderCharge]:
    charges = []
    for intent in gateway.payment_intents():
        invoice_id = (intent.metadata or {}).get("invoice_id", "")
        charges.append(reconcile.ProviderCharge(intent.intent_id, intent.status, intent.amount,
                                                int(invoice_id) if str(invoice_id).isdigit() else None))
    return charges


def _one_reconciliation_at_a_time() -> None:
    """Reconciliations write one after the other: the second waits for the first to commit and
    then reads its findings (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write
    lock, taken before the read). The partial unique index backs this in the database."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('card_reconciliation'))"))
    else:
        db.session.execute(update(CardFinding).where(false()).values(resolved_at=CardFinding.resolved_at))


@uow.use_case
def record_findings(found: list[reconcile.Finding], now: datetime) -> dict:
    """Open a finding for each new discrepancy, keep those found again, close the others."""
    _one_reconciliation_at_a_time()
    open_rows = {(f.invoice_id, f.kind): f for f in db.session.scalars(
        select(CardFinding).where(CardFinding.resolved_at.is_(None)))}
    new = 0
    for finding in found:
        row = open_rows.pop((finding.invoice_id, finding.kind), None)
        if row is None:
            db.session.add(CardFinding(invoice_id=finding.invoice_id, kind=finding.kind,
                                       intents=list(finding.intents), found_at=now))
            new += 1
        elif row.intents != list(finding.intents):
            row.intents = list(finding.intents)
    for row in open_rows.values():
        row.resolved_at = now
    db.session.flush()
    return {"found": len(found), "new": new, "resolved": len(open_rows)}


def reconcile_card_payments(gateway, now: datetime) -> dict:
    local = _local_payments(now)
    uow.rollback()  # end the read: no transaction is open while the provider is asked
    found = reconcile.findings(local, _provider_charges(gateway))
    return {"checked": len(local), **record_findings(found, now)}


def reconciliation_job(job_id: int, progress) -> dict:
    """The job: reconcile with the configured Stripe account."""
    from invoicing.stripe_gateway import StripeGateway

    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise RuntimeError("カード決済（Stripe）が設定されていないため、照合できません")
    progress(0, None, "決済サービスに問い合わせています")
    return reconcile_card_payments(StripeGateway.from_config(current_app.config), utcnow())


def open_findings_todo():
    """The office home's to-do entry: open findings, if any."""
    from flask import url_for
    from flask_babel import gettext as _

    count = db.session.scalar(select(func.count()).select_from(CardFinding).where(CardFinding.resolved_at.is_(None)))
    if not count:
        return None
    return _("カード決済の照合で要確認の決済"), count, url_for("invoicing.office_reconciliation")

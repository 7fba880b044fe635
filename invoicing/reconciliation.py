"""Reconciling card payments with the provider (Stripe): an office action that runs as a job.

The payments to check (card payments still pending, and those paid in the last RECENT_DAYS) are
read first and the read transaction ended; the provider is asked with no transaction open; the
findings are then written in the job's unit of work. A finding stays open until a later run no
longer finds it."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from invoicing import reconcile
from invoicing.models import CardFinding, Payment
from invoicing.states import PENDING, SUCCEEDED
from procure import uow
from procure.dbtypes import utcnow
from procure.extensions import db

RECENT_DAYS = 90


def _local_payments(now: datetime) -> list[reconcile.LocalPayment]:
    rows = db.session.scalars(select(Payment).where(Payment.method == "stripe", or_(
        Payment.status == PENDING, Payment.paid_at >= now - timedelta(days=RECENT_DAYS))))
    return [reconcile.LocalPayment(p.invoice_id, p.status, p.stripe_intent_id) for p in rows
            if p.status in (PENDING, SUCCEEDED)]


def _provider_charges(gateway) -> list[reconcile.ProviderCharge]:
    charges = []
    for intent in gateway.payment_intents():
        invoice_id = (intent.metadata or {}).get("invoice_id", "")
        charges.append(reconcile.ProviderCharge(intent.intent_id, intent.status, intent.amount,
                                                int(invoice_id) if str(invoice_id).isdigit() else None))
    return charges


@uow.use_case
def record_findings(found: list[reconcile.Finding], now: datetime) -> dict:
    """Open a finding for each new discrepancy, keep those found again, close the others."""
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
    return {"checked": None, "found": len(found), "new": new, "resolved": len(open_rows)}


def reconcile_card_payments(gateway, now: datetime) -> dict:
    local = _local_payments(now)
    uow.rollback()  # end the read: no transaction is open while the provider is asked
    found = reconcile.findings(local, _provider_charges(gateway))
    return record_findings(found, now) | {"checked": len(local)}


def reconciliation_job(job_id: int, progress) -> dict:
    """The job: reconcile with the configured Stripe account."""
    from invoicing.stripe_gateway import StripeGateway

    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise RuntimeError("カード決済（Stripe）が設定されていないため、照合できません")
    progress(0, None, "決済サービスに問い合わせています")
    gateway = StripeGateway(config["STRIPE_SECRET_KEY"], config.get("STRIPE_API_BASE"),
                            config["STRIPE_CONNECT_TIMEOUT"], config["STRIPE_READ_TIMEOUT"],
                            config["STRIPE_MAX_RETRIES"])
    return reconcile_card_payments(gateway, utcnow())


def open_findings_todo():
    """The office home's to-do entry: open findings, if any."""
    from flask import url_for
    from flask_babel import gettext as _
    from sqlalchemy import func

    count = db.session.scalar(select(func.count()).select_from(CardFinding).where(CardFinding.resolved_at.is_(None)))
    if not count:
        return None
    return _("カード決済の照合で要確認の決済"), count, url_for("invoicing.office_reconciliation")

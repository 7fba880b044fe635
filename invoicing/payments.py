"""Paying matched invoices: Zengin 総合振込 files and Stripe PaymentIntents.

An invoice is paid at most once: the payment row is unique per invoice in the database and is
claimed before any money moves, so concurrent requests and replayed webhooks cannot pay twice.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from invoicing import bank_master, zengin
from procure.jpcalendar import add_bank_business_days, is_bank_business_day
from invoicing.models import (PAYABLE, PAYMENT_PENDING, Invoice, Payment, StripeEvent, VendorBilling,
                              WardBilling, ZenginBatch)
from invoicing.states import (CREATED, FAILED, INVOICE, PAYMENT, PENDING, SENT, SUCCEEDED,  # noqa: F401
                              ZENGIN_BATCH)
from procure import audit, state_guard, uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User
from procure.statemachine import SYSTEM
from procure.errors import FieldError
# A pending payment whose outcome Stripe could not tell us: retried with the same idempotency key.
UNCERTAIN = "結果不明: 同じ支払として再確認できます"
# A card payment claimed and sent to Stripe, its outcome not recorded yet. Another request finding
# it refuses (one attempt at a time); once older than any attempt can take (CLAIM_STALE), the
# recording of its outcome failed and it is as uncertain as UNCERTAIN: retried with the same key.
IN_FLIGHT = "決済中: 結果を記録しています"
CLAIM_STALE = timedelta(minutes=5)


def _retryable(payment: Payment | None, now: datetime) -> bool:
    """A pending card payment whose outcome we do not know, to be asked again with its key."""
    if payment is None or payment.status != PENDING:
        return False
    return payment.failure == UNCERTAIN or (payment.failure == IN_FLIGHT and payment.created_at <= now - CLAIM_STALE)


class PaymentError(FieldError):
    pass


def _payable_invoice(user: User, invoice_id: int, uncertain_ok: bool = False) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.ward_id != user.ward_id:
        raise PaymentError("請求書が見つかりません", "invoice")
    if uncertain_ok and invoice.status == PAYMENT_PENDING and _retryable(
            db.session.scalar(select(Payment).filter_by(invoice_id=invoice.id)), utcnow()):
        return invoice
    if invoice.status == PAYMENT_PENDING:
        raise PaymentError(f"請求書 {invoice.number} は支払処理中です。しばらくしてから状態を確認してください", "invoice")
    if invoice.status != PAYABLE:
        raise PaymentError(f"請求書 {invoice.number} は支払える状態ではありません（照合が済んでいないか、支払済みです）",
                           "invoice")
    return invoice


def _claim(user: User, invoice: Invoice, method: str) -> Payment:
    """The invoice's payment row: a new one, a failed one taken over for another attempt, or a
    card payment of unknown outcome asked again with the same key. Anything else means the
    invoice is paid or being paid. Flushes; the caller commits, and a concurrent claim of the
    same invoice fails on the unique invoice_id or the guard on its state (nothing is kept).
    A card payment is claimed IN_FLIGHT, with `created_at` the moment of this attempt."""
    amount, now = invoice.payable_amount, utcnow()
    in_flight = IN_FLIGHT if method == "stripe" else None
    existing = db.session.scalar(select(Payment).filter_by(invoice_id=invoice.id))
    if _retryable(existing, now):
        # The guard is _retryable in SQL: of two requests retrying at once, one takes it over.
        taken = audit.audited_update(Payment, Payment.id == existing.id, Payment.status == PENDING, or_(
            Payment.failure == UNCERTAIN, and_(Payment.failure == IN_FLIGHT, Payment.created_at <= now - CLAIM_STALE)),
            values={"failure": in_flight, "created_at": now}, synchronize_session=False)
        if len(taken) != 1:
            uow.rollback()
            raise PaymentError(f"請求書 {invoice.number} は支払処理中です", "invoice")
        db.session.refresh(existing)
        return existing  # same attempt, same idempotency key: Stripe answers with the first outcome
    if existing is None:
        payment = Payment(invoice_id=invoice.id, ward_id=invoice.ward_id, vendor_id=invoice.vendor_id,
                          method=method, status=PENDING, amount=amount, created_by_id=user.id, created_at=now,
                          failure=in_flight, idempotency_key=f"invoice-{invoice.id}-1")
        db.session.add(payment)
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent claim of the same invoice stored its row first
            uow.rollback()
            raise PaymentError(f"請求書 {invoice.number} は同時に支払処理されています", "invoice") from None
    else:
        attempt = existing.attempt + 1
        taken = state_guard.guarded_step(
            Payment, PAYMENT, "retry", user.role.value, Payment.id == existing.id,
            values={"attempt": attempt, "method": method, "amount": amount, "failure": in_flight,
                    "stripe_intent_id": None, "idempotency_key": f"invoice-{invoice.id}-{attempt}",
                    "created_by_id": user.id, "created_at": now}, synchronize_session=False)
        if len(taken) != 1:
            uow.rollback()
            raise PaymentError(f"請求書 {invoice.number} は支払済みか、支払処理中です", "invoice")
        db.session.refresh(existing)
        payment = existing
    state_guard.step(invoice, INVOICE, "claim_payment", user.role.value)
    db.session.flush()
    return payment


def _mark_paid(payment: Payment, role: str) -> None:
    state_guard.step(payment, PAYMENT, "succeed", role)
    payment.paid_at, payment.failure = utcnow(), None
    state_guard.guarded_step(Invoice, INVOICE, "pay", role, Invoice.id == payment.invoice_id)


def _mark_failed(payment: Payment, reason: str, role: str) -> None:
    state_guard.step(payment, PAYMENT, "fail", role)
    payment.failure = reason[:300]
    state_guard.guarded_step(Invoice, INVOICE, "payment_failed", role, Invoice.id == payment.invoice_id)


@uow.use_case
def pay_by_stripe(user: User, invoice_id: int, gateway, confirmed_amount: str | None = None) -> Payment:
    """`confirmed_amount`: the amount (whole yen, as text) the payer confirmed on the page; a
    different amount due now (a credit note since) charges nothing and asks again."""
    invoice = _payable_invoice(user, invoice_id, uncertain_ok=True)
    if confirmed_amount is not None and confirmed_amount != f"{invoice.payable_amount:.0f}":
        raise PaymentError(f"請求額が変わりました（{invoice.payable_amount:,.0f} 円）。金額を確認してからもう一度支払ってください",
                           "amount")
    payment = _claim(user, invoice, "stripe")
    # Everything Stripe is told is read before the claim commits: during the call no transaction
    # is open and no connection is held, so a slow provider locks nothing.
    amount, key = int(payment.amount), payment.idempotency_key
    metadata = {"invoice_id": str(invoice.id), "invoice_number": invoice.number, "payment_id": str(payment.id)}
    description = f"{invoice.ward.name_ja} 請求書 {invoice.number}"
    uow.checkpoint("payment claimed before any money moves")
    from invoicing.stripe_gateway import PaymentGatewayError

    try:
        result = gateway.pay(amount, key, metadata, description=description)
    except PaymentGatewayError as exc:
        if exc.uncertain:  # maybe charged: stay pending, retry only with this same key
            payment.failure = UNCERTAIN
            uow.checkpoint("an uncertain card payment stays pending, to be retried with the same key")
            raise PaymentError(f"決済の結果を確認できませんでした。もう一度支払うと、同じ支払として結果を確認します"
                               f"（二重には請求されません）: {exc.message}", "payment") from None
        _mark_failed(payment, exc.message, user.role.value)
        uow.checkpoint("a declined card payment is recorded before the error is reported")
        raise PaymentError(f"決済できませんでした: {exc.message}", "payment") from None
    # A fault from here on leaves the payment IN_FLIGHT: Stripe's webhook settles it, or after
    # CLAIM_STALE the ward's retry asks Stripe again with the same key.
    payment.stripe_intent_id = result.intent_id
    if result.status == "succeeded":
        _mark_paid(payment, user.role.value)
    db.session.flush()
    return payment


@uow.use_case
def handle_stripe_event(event: dict) -> str:
    """Reconcile a verified webhook event. A replayed event is recorded once and ignored."""
    db.session.add(StripeEvent(id=event["id"], type=event["type"]))
    try:
        db.session.flush()
    except IntegrityError:
        uow.rollback()
        return "duplicate"
    intent = event.get("data", {}).get("object", {})
    payment = None
    if intent.get("id"):
        payment = db.session.scalar(select(Payment).filter_by(stripe_intent_id=intent["id"]))
    if payment is None and (intent.get("metadata") or {}).get("payment_id", "").isdigit():
        payment = db.session.get(Payment, int(intent["metadata"]["payment_id"]))
    outcome = "ignored"
    if payment is not None:
        payment.stripe_intent_id = payment.stripe_intent_id or intent.get("id")
        if event["type"] == "payment_intent.succeeded" and payment.status != SUCCEEDED:
            _mark_paid(payment, SYSTEM)
            outcome = "paid"
        elif event["type"] == "payment_intent.payment_failed" and payment.status == PENDING:
            _mark_failed(payment, "カード決済が失敗しました", SYSTEM)
            outcome = "failed"
        else:
            outcome = "unchanged"
        db.session.get(StripeEvent, event["id"]).payment_id = payment.id
    audit.record(db.session, "stripe_webhook", "payment", payment.id if payment else None,
                 after={"event": event["id"], "type": event["type"], "outcome": outcome})
    db.session.flush()
    return outcome


def earliest_transfer_date(today: date, lead_days: int) -> date:
    """A 総合振込 file reaches the bank `lead_days` bank business days before its transfer date."""
    return add_bank_business_days(today, lead_days)


def ward_transfer_file(user: User, transfers: list, transfer_date: date, today: date,
                       lead_days: int = 1) -> ZenginBatch:
    """A 総合振込 file from the ward's bank account paying these transfers, stored as a batch in
    its first state (作成済). Shared by invoices and cost shares (costshares.payments). The
    transfer date is a bank business day at least `lead_days` bank business days ahead."""
    if not is_bank_business_day(transfer_date):
        raise PaymentError(f"振込指定日 {transfer_date:%Y-%m-%d} は銀行の休業日です（土日・祝日・12/31〜1/3）。"
                           "銀行の営業日を選んでください", "transfer_date")
    earliest = earliest_transfer_date(today, lead_days)
    if transfer_date < earliest:
        raise PaymentError(f"振込指定日は {earliest:%Y-%m-%d} 以降の銀行営業日にしてください（全銀ファイルは"
                           f"{lead_days} 営業日前までに銀行へ渡します）", "transfer_date")
    ward_billing = db.session.scalar(select(WardBilling).filter_by(ward_id=user.ward_id))
    if ward_billing is None:
        raise PaymentError("区の振込元口座（全銀委託者情報）が登録されていません", "ward")
    problems = bank_master.account_problems(ward_billing.bank_code, ward_billing.branch_code,
                                            ward_billing.bank_name_kana, ward_billing.branch_name_kana, "振込元（区の口座）")
    for transfer in transfers:
        problems += bank_master.account_problems(transfer.bank_code, transfer.branch_code, transfer.bank_name,
                                                 transfer.branch_name, f"振込先（{transfer.recipient_name}）")
    if problems:
        raise PaymentError("。".join(problems), "bank")
    try:
        content = zengin.build_transfer_file(zengin.TransferHeader(
            requester_code=ward_billing.requester_code, requester_name=ward_billing.requester_name_kana,
            transfer_date=transfer_date, bank_code=ward_billing.bank_code, bank_name=ward_billing.bank_name_kana,
            branch_code=ward_billing.branch_code, branch_name=ward_billing.branch_name_kana,
            account_type=ward_billing.account_type, account_number=ward_billing.account_number), transfers)
    except zengin.ZenginError as exc:
        raise PaymentError(f"振込ファイルを作れません: {exc}", "zengin") from None
    batch = ZenginBatch(ward_id=user.ward_id, transfer_date=transfer_date, count=len(transfers),
                        total=sum((t.amount for t in transfers), Decimal(0)), content=content,
                        created_by_id=user.id)
    db.session.add(batch)
    db.session.flush()
    return batch


@uow.use_case
def zengin_batch(user: User, invoice_ids: list[int], transfer_date: date, today: date,
                 lead_days: int = 1) -> ZenginBatch:
    """A 総合振込 file for the ward's bank paying these invoices; they wait as 'payment pending'
    until the ward confirms the bank made the transfers."""
    if not invoice_ids:
        raise PaymentError("振込する請求書を選んでください", "invoices")
    invoices = [_payable_invoice(user, i) for i in sorted(set(invoice_ids))]
    transfers = []
    for invoice in invoices:
        account = db.session.scalar(select(VendorBilling).filter_by(vendor_id=invoice.vendor_id))
        if account is None:
            raise PaymentError(f"{invoice.vendor.name} の振込先口座が登録されていません", "vendor")
        transfers.append(zengin.Transfer(
            bank_code=account.bank_code, bank_name=account.bank_name_kana, branch_code=account.branch_code,
            branch_name=account.branch_name_kana, account_type=account.account_type,
            account_number=account.account_number, recipient_name=account.account_name_kana,
            amount=invoice.payable_amount, edi_info=invoice.number))
    batch = ward_transfer_file(user, transfers, transfer_date, today, lead_days)
    for invoice in invoices:
        payment = _claim(user, invoice, "zengin")
        payment.zengin_batch_id = batch.id
    db.session.flush()
    return batch


# Other things a Zengin file can pay (cost shares): called with the batch and the role when the
# ward records the transfers done, so that they are settled in the same unit of work.
ZENGIN_COMPLETION_HOOKS: list = []


def _own_batch(user: User, batch_id: int) -> ZenginBatch:
    batch = db.session.get(ZenginBatch, batch_id)
    if batch is None or batch.ward_id != user.ward_id:
        raise PaymentError("振込ファイルが見つかりません", "batch")
    return batch


@uow.use_case
def send_zengin_batch(user: User, batch_id: int) -> ZenginBatch:
    """送信済: the ward handed the file to its bank."""
    batch = _own_batch(user, batch_id)
    if batch.status != CREATED:
        raise PaymentError("この振込ファイルは送信済みです", "batch")
    state_guard.step(batch, ZENGIN_BATCH, "send", user.role.value)
    batch.sent_at = utcnow()
    db.session.flush()
    return batch


@uow.use_case
def confirm_zengin_batch(user: User, batch_id: int, today: date) -> ZenginBatch:
    """振込完了: once the file was sent and its transfer date has come, the invoices are paid."""
    batch = _own_batch(user, batch_id)
    if batch.status == CREATED:
        raise PaymentError("先に振込ファイルを銀行へ送信したことを記録してください", "batch")
    if batch.status != SENT:
        raise PaymentError("この振込ファイルは振込完了を記録済みです", "batch")
    if today < batch.transfer_date:
        raise PaymentError(f"振込指定日（{batch.transfer_date:%Y-%m-%d}）より前には振込完了を記録できません", "batch")
    state_guard.step(batch, ZENGIN_BATCH, "complete", user.role.value)
    batch.completed_at = utcnow()
    for payment in db.session.scalars(select(Payment).filter_by(zengin_batch_id=batch.id, status=PENDING)):
        _mark_paid(payment, user.role.value)
    for settle in ZENGIN_COMPLETION_HOOKS:
        settle(batch, user.role.value)
    db.session.flush()
    return batch

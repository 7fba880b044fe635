"""Invoices (請求書), their lines and matching, payments (Zengin transfer files, Stripe)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, Numeric, String, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.audit import Audited
from procure.dbtypes import Money, UTCDateTime, utcnow
from procure.extensions import db
from procure.money import non_taxable_sums
from procure.models import Facility, User, Vendor, Ward

# Invoice status: the states and their transitions live in invoicing.states.
from invoicing.states import (CORRECTION_REQUESTED, DISCREPANCY, MATCHED, PAID, PAYABLE,  # noqa: F401
                              PAYMENT_PENDING, SUPERSEDED)
# How an invoice came in
GENERATED, UPLOADED_XLSX, UPLOADED_UBL = "generated", "xlsx", "ubl"
# Resolutions of a mismatched line
ACCEPT, ASK_CORRECTION, CREDIT_NOTE = "accept", "correction", "credit_note"


class VendorBilling(Audited, db.Model):
    """How a vendor invoices and is paid: tax rounding mode and the bank account for transfers."""

    __tablename__ = "vendor_billing"
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), unique=True)
    tax_rounding: Mapped[str] = mapped_column(String(10), default="down")  # down | up | half_up
    bank_code: Mapped[str] = mapped_column(String(4))
    bank_name_kana: Mapped[str] = mapped_column(String(15))
    branch_code: Mapped[str] = mapped_column(String(3))
    branch_name_kana: Mapped[str] = mapped_column(String(15))
    account_type: Mapped[str] = mapped_column(String(1))  # 1 普通, 2 当座
    account_number: Mapped[str] = mapped_column(String(7))
    account_name_kana: Mapped[str] = mapped_column(String(30))

    vendor: Mapped[Vendor] = relationship()


class WardBilling(Audited, db.Model):
    """A ward's invoicing and payment settings: tolerance, per-facility invoices, its bank."""

    __tablename__ = "ward_billing"
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), unique=True)
    invoice_per_facility: Mapped[bool] = mapped_column(default=False)
    tolerance_yen: Mapped[Decimal | None] = mapped_column(Money)
    tolerance_percent: Mapped[Decimal | None] = mapped_column(Money)
    requester_code: Mapped[str] = mapped_column(String(10))  # 委託者コード from the ward's bank
    requester_name_kana: Mapped[str] = mapped_column(String(40))
    bank_code: Mapped[str] = mapped_column(String(4))
    bank_name_kana: Mapped[str] = mapped_column(String(15))
    branch_code: Mapped[str] = mapped_column(String(3))
    branch_name_kana: Mapped[str] = mapped_column(String(15))
    account_type: Mapped[str] = mapped_column(String(1))
    account_number: Mapped[str] = mapped_column(String(7))

    ward: Mapped[Ward] = relationship()


class Invoice(Audited, db.Model):
    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("vendor_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    year: Mapped[int]
    month: Mapped[int]
    issue_date: Mapped[date]
    due_date: Mapped[date]
    source: Mapped[str] = mapped_column(String(10), default=GENERATED)
    status: Mapped[str] = mapped_column(String(25), index=True)
    rounding: Mapped[str] = mapped_column(String(10))
    amount_standard: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # 10% taxable, excl. tax
    tax_standard: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    amount_reduced: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))   # 8%
    tax_reduced: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Lines outside the consumption tax (非課税 E, 不課税 O, Z, G) on a vendor's own invoice: no tax
    amount_non_taxable: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    total: Mapped[Decimal] = mapped_column(Money)                                # incl. tax
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))           # credit notes recorded
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pdf_file_id: Mapped[int | None]  # procure.storage: the PDF as issued, kept by the monthly batch
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()
    ward: Mapped[Ward] = relationship()
    facility: Mapped[Facility | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(back_populates="invoice", order_by="InvoiceLine.line_no",
                                                    cascade="all, delete-orphan")

    @property
    def payable_amount(self) -> Decimal:
        return self.total - self.credit

    @property
    def non_taxable_by_category(self) -> dict[str, Decimal]:
        """The amount outside the tax per category (E, O, Z, G), from the lines."""
        return non_taxable_sums((line.non_taxable_category, line.amount)
                                for line in self.lines if line.non_taxable_category)


_LIVE_READING = text("live AND reading_id IS NOT NULL")
_LIVE_ADJUSTMENT = text("live AND pooled_adjustment_id IS NOT NULL")
_LIVE_FEE = text("live AND fee_usage_id IS NOT NULL")


class InvoiceLine(Audited, db.Model):
    __tablename__ = "invoice_line"
    __table_args__ = (
        UniqueConstraint("invoice_id", "line_no"),
        # Billed once, by the database itself: a reading's charge and a pooled-price adjustment
        # stand on one invoice still in force (a superseded invoice's lines are no longer live).
        Index("uq_invoice_line_live_reading", "reading_id", "charge_kind", unique=True,
              postgresql_where=_LIVE_READING, sqlite_where=_LIVE_READING),
        Index("uq_invoice_line_live_adjustment", "pooled_adjustment_id", unique=True,
              postgresql_where=_LIVE_ADJUSTMENT, sqlite_where=_LIVE_ADJUSTMENT),
        Index("uq_invoice_line_live_fee", "fee_usage_id", "charge_kind", unique=True,
              postgresql_where=_LIVE_FEE, sqlite_where=_LIVE_FEE),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    line_no: Mapped[int]
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"), index=True)
    pooled_adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("pooled_adjustment.id"))
    # Electricity tender contracts: one reading gives base, energy and pass-through lines.
    reading_id: Mapped[int | None] = mapped_column(ForeignKey("electricity_reading.id"), index=True)
    charge_kind: Mapped[str | None] = mapped_column(String(20))
    # Pooled-volume service fees (fees): a ward's month, billed as a base and a usage line.
    fee_usage_id: Mapped[int | None] = mapped_column(ForeignKey("fee_usage.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("tender_contract.id"), index=True)
    contract_line: Mapped[int | None]
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit: Mapped[str] = mapped_column(String(20), default="")
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Money)
    # Outside the consumption tax (E 非課税, O 不課税, Z, G; tax_rate 0); None: taxed at tax_rate
    non_taxable_category: Mapped[str | None] = mapped_column(String(2))
    matched: Mapped[bool] = mapped_column(default=False)
    discrepancies: Mapped[list | None] = mapped_column(JSON)  # [{"code", "message"}]
    resolution: Mapped[str | None] = mapped_column(String(15))
    resolution_note: Mapped[str | None] = mapped_column(String(500))
    credit_amount: Mapped[Decimal | None] = mapped_column(Money)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    live: Mapped[bool] = mapped_column(default=True, server_default=true())  # false once superseded
    # Units this line put in the billed-units ledger when its invoice became payable (None before).
    counted_quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class BilledUnits(db.Model):
    """Units of goods paid or to be paid, against the units accepted at inspection, per thing that
    can be billed: an order line, a tender contract line bought outright, or one month of a leased
    contract line. An invoice adds its lines here when it becomes payable, under a row lock; the
    CHECK makes paying more units than were accepted impossible, whatever the code above does."""

    __tablename__ = "billed_units"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", "line_index", "period", name="uq_billed_units_subject"),
        CheckConstraint("billed >= 0", name="billed_not_negative"),
        CheckConstraint("billed <= accepted", name="billed_within_accepted"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # order_line | contract_line | lease_month
    ref_id: Mapped[int]  # the order line or the tender contract
    line_index: Mapped[int] = mapped_column(default=0)  # the contract's line
    period: Mapped[int] = mapped_column(default=0)  # lease month: year * 12 + month - 1
    accepted: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0))
    billed: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0))


class ZenginBatch(Audited, db.Model):
    """One 総合振込 file a ward hands to its bank."""

    __tablename__ = "zengin_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    transfer_date: Mapped[date]
    count: Mapped[int]
    total: Mapped[Decimal] = mapped_column(Money)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="created")  # invoicing.states.ZENGIN_BATCH
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Payment(Audited, db.Model):
    """At most one payment per invoice, enforced by the database: never paid twice."""

    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount > 0", name="positive_amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), unique=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))  # zengin | stripe
    status: Mapped[str] = mapped_column(String(15))  # pending | succeeded | failed
    amount: Mapped[Decimal] = mapped_column(Money)
    attempt: Mapped[int] = mapped_column(default=1)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    stripe_intent_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    zengin_batch_id: Mapped[int | None] = mapped_column(ForeignKey("zengin_batch.id"))
    failure: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invoice: Mapped[Invoice] = relationship()


class StripeEvent(db.Model):
    """Webhook events already processed: a replayed event is recognised and ignored."""

    __tablename__ = "stripe_event"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))


class CardFinding(Audited, db.Model):
    """A discrepancy between our card payments and the provider's (invoicing.reconcile), open
    until a later reconciliation no longer finds it (resolved_at)."""

    __tablename__ = "card_finding"
    # One open finding per invoice and kind, even when two reconciliations run at once.
    __table_args__ = (Index("uq_card_finding_open", "invoice_id", "kind", unique=True,
                            postgresql_where=text("resolved_at IS NULL"), sqlite_where=text("resolved_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # reconcile.DUPLICATE | UNKNOWN_TO_PROVIDER | UNRECORDED
    intents: Mapped[list] = mapped_column(JSON)      # the provider's successful charges for the invoice
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invoice: Mapped[Invoice] = relationship()

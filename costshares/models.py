"""Running cost items of a fiscal year, each ward's standalone reference, and the bills issued."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.audit import Audited
from procure.dbtypes import Money, UTCDateTime, utcnow
from procure.extensions import db
from procure.models import Ward


class RunningCost(Audited, db.Model):
    """One of the office's cost items for a fiscal year (人件費, システム運用費 ...) and its weights."""

    __tablename__ = "running_cost"
    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(index=True)
    label: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    weight_equal: Mapped[Decimal] = mapped_column(Money, default=Decimal(4))
    weight_population: Mapped[Decimal] = mapped_column(Money, default=Decimal(6))
    weight_quantity: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StandaloneReference(Audited, db.Model):
    """What a ward would have paid alone for what it bought jointly in the fiscal year, and where
    the figure comes from (standalone quotes, reference prices)."""

    __tablename__ = "standalone_reference"
    __table_args__ = (UniqueConstraint("fiscal_year", "ward_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int]
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ward: Mapped[Ward] = relationship()


class CostShareBill(Audited, db.Model):
    """A ward's 運営費負担金 for a fiscal year, fixed when issued, with the lines that explain it.
    Outside consumption tax (不課税): not a qualified invoice."""

    __tablename__ = "cost_share_bill"
    __table_args__ = (UniqueConstraint("fiscal_year", "ward_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    fiscal_year: Mapped[int]
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    joint_amount: Mapped[Decimal] = mapped_column(Money)
    standalone_amount: Mapped[Decimal | None] = mapped_column(Money)
    shares: Mapped[Decimal] = mapped_column(Money)
    adjustment: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    min_savings_rate: Mapped[Decimal | None] = mapped_column(Money)
    lines: Mapped[list] = mapped_column(JSON)  # [{"label", "amount", "basis"}]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="issued", server_default="issued")  # costshares.states
    zengin_batch_id: Mapped[int | None] = mapped_column(ForeignKey("zengin_batch.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ward: Mapped[Ward] = relationship()


class OfficeAccount(Audited, db.Model):
    """The joint procurement office's bank account that receives cost shares (one row)."""

    __tablename__ = "office_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(4))
    bank_name_kana: Mapped[str] = mapped_column(String(15))
    branch_code: Mapped[str] = mapped_column(String(3))
    branch_name_kana: Mapped[str] = mapped_column(String(15))
    account_type: Mapped[str] = mapped_column(String(1))
    account_number: Mapped[str] = mapped_column(String(7))
    account_name_kana: Mapped[str] = mapped_column(String(30))

"""One saving, fixed when the amount it measures is fixed."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.audit import Audited
from procure.dbtypes import Money, UTCDateTime, utcnow
from procure.extensions import db
from procure.models import Ward

# What the amount paid is compared with (their names for people: savings.labels)
INDIVIDUAL_TIER = "individual_tier"  # the same price schedule at the ward's quantity alone
CURRENT_RATES = "current_rates"      # electricity: the rates the ward paid before the tender
OFFICE_COST = "office_cost"          # the office's running costs: nothing alone, so a negative saving
REFERENCE_KINDS = (INDIVIDUAL_TIER, CURRENT_RATES, OFFICE_COST)


class SavingsEntry(Audited, db.Model):
    __tablename__ = "savings_entry"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))       # tender_contract | pooled_adjustment | cost_share
    source_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))       # what was bought, for people
    category: Mapped[str] = mapped_column(String(60))     # 電力, PC, 物品 ...
    fixed_on: Mapped[date]                                # Tokyo date the amount was fixed
    reference_kind: Mapped[str] = mapped_column(String(20))
    reference_amount: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    saving: Mapped[Decimal] = mapped_column(Money)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ward: Mapped[Ward] = relationship()

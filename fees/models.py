"""Fee contracts (従量料金の契約) and the units each ward reports per month."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.audit import Audited
from procure.dbtypes import Money, UTCDateTime, utcnow
from procure.extensions import db
from procure.models import User, Vendor, Ward


class FeeContract(Audited, db.Model):
    """A service billed monthly to each ward: base fee + unit fee x its units, the unit fee set by
    the tier all wards' units reach together (e.g. 1,100 yen + 11 yen x 300 households)."""

    __tablename__ = "fee_contract"
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    unit_label: Mapped[str] = mapped_column(String(20))  # 世帯, ID, 件 ...
    base_fee: Mapped[Decimal] = mapped_column(Money)      # per ward and month, tax-exclusive
    tiers: Mapped[list] = mapped_column(JSON)             # [[min units, unit fee], ...] from 0
    tax_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.10"))
    # The term, by months (the first day of the first and of the last month; None: open) and the
    # wards taking part (None: every ward). Units are reported only within both.
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    ward_ids: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()

    def tier_list(self) -> list[tuple[int, Decimal]]:
        return [(int(q), Decimal(str(f))) for q, f in self.tiers]

    def covers(self, year: int, month: int) -> bool:
        first = date(year, month, 1)
        return (self.starts_on is None or self.starts_on <= first) and (self.ends_on is None or first <= self.ends_on)

    def takes_part(self, ward_id: int) -> bool:
        return self.ward_ids is None or ward_id in self.ward_ids


class FeeUsage(Audited, db.Model):
    """The units a ward used in a month (reported by the ward or the office, never the vendor)."""

    __tablename__ = "fee_usage"
    __table_args__ = (UniqueConstraint("fee_contract_id", "ward_id", "year", "month"),
                      CheckConstraint("units >= 0", name="units_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    fee_contract_id: Mapped[int] = mapped_column(ForeignKey("fee_contract.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    year: Mapped[int]
    month: Mapped[int]
    units: Mapped[int]
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[FeeContract] = relationship()
    ward: Mapped[Ward] = relationship()
    reported_by: Mapped[User] = relationship()

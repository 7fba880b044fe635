"""Pooled tenders: the tender and its schedule, participating wards and their demand, sealed bids,
evaluation and award. Bid contents are stored sealed (tenders.sealing)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.audit import Audited
from procure.dbtypes import Money, UTCDateTime, utcnow
from procure.extensions import db
from procure.models import Facility, User, Vendor, Ward

PC, ELECTRICITY, GENERIC = "pc", "electricity", "generic"


class Tender(Audited, db.Model):
    __tablename__ = "tender"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(15))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    evaluation_method: Mapped[str] = mapped_column(String(10), default="lowest")  # lowest | division | addition
    base_points: Mapped[Decimal | None] = mapped_column(Money)       # 除算方式: standard points
    max_price_points: Mapped[Decimal | None] = mapped_column(Money)  # 加算方式
    # Eligibility
    qualification: Mapped[str] = mapped_column(String(20), default="each_ward")
    designated_ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"))
    region: Mapped[str | None] = mapped_column(String(10))           # None | tokyo | in_ward
    sme_min_valid: Mapped[int | None]
    quantity_tolerance_percent: Mapped[Decimal] = mapped_column(Money, default=Decimal(10))
    # Schedule (UTC) and the sealed ceiling price (予定価格, confidential until opening)
    bidding_opens: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bidding_closes: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opening_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sealed_ceiling: Mapped[bytes | None] = mapped_column(LargeBinary)
    ceiling_price: Mapped[Decimal | None] = mapped_column(Money)     # revealed at opening
    # Opening takes two office users: the officer asks (開札者), another witnesses (開札立会人).
    opening_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opening_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opening_witness_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    tie_seed: Mapped[int | None]
    demand_round: Mapped[int] = mapped_column(default=1, server_default="1")  # 第n回募集: wards joining now
    # How volume-tier prices become each ward's unit price (procure.pricing.policy); None = pooled.
    pricing_policy: Mapped[dict | None] = mapped_column(JSON)
    # How it is procured (procure.procurement_method): open | selective | limited, and the legal ground
    procurement_method: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    procurement_ground: Mapped[str | None] = mapped_column(String(20))
    # PCs: bought, leased, or either per demand line (別表第5 counts 買入れ and 借入れ apart).
    leasing: Mapped[str] = mapped_column(String(10), default="allowed", server_default="allowed")  # no | only | allowed
    contract_starts: Mapped[date | None] = mapped_column()  # 契約期間 of the ward contracts (inclusive)
    contract_ends: Mapped[date | None] = mapped_column()
    # Electricity: the rates wards paid before this tender, the savings reference,
    # {"rates": {voltage: [base yen/kW-month, energy yen/kWh]}, "source": text}; fixed before opening.
    reference_rates: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    wards: Mapped[list[TenderWard]] = relationship(back_populates="tender", order_by="TenderWard.id")
    patterns: Mapped[list[PcPattern]] = relationship(back_populates="tender", order_by="PcPattern.id")
    lots: Mapped[list[TenderLot]] = relationship(back_populates="tender", order_by="TenderLot.id")


class TenderLot(Audited, db.Model):
    """A lot (分割発注): a share of the demand by pattern, ward group or voltage class, awarded on
    its own, with its own sealed ceiling price. A tender without lots is awarded as a whole."""

    __tablename__ = "tender_lot"
    __table_args__ = (UniqueConstraint("tender_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    patterns: Mapped[list] = mapped_column(JSON, default=list)
    ward_ids: Mapped[list] = mapped_column(JSON, default=list)
    voltages: Mapped[list] = mapped_column(JSON, default=list)
    sealed_ceiling: Mapped[bytes | None] = mapped_column(LargeBinary)
    ceiling_price: Mapped[Decimal | None] = mapped_column(Money)     # revealed at opening
    pricing_policy: Mapped[dict | None] = mapped_column(JSON)  # None: the tender's policy

    tender: Mapped[Tender] = relationship(back_populates="lots")

    def scope(self) -> list[str]:
        """What the lot covers, for people: pattern codes, ward names, voltage classes."""
        names = {tw.ward_id: tw.ward.name_ja for tw in self.tender.wards}
        return list(self.patterns) + [names.get(w, str(w)) for w in self.ward_ids] + list(self.voltages)


class TenderWard(Audited, db.Model):
    """A ward taking part (it may join in a later round), with its environmental threshold."""

    __tablename__ = "tender_ward"
    __table_args__ = (UniqueConstraint("tender_id", "ward_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    environmental_threshold: Mapped[Decimal | None] = mapped_column(Money)
    environmental_table: Mapped[list | None] = mapped_column(JSON)

    tender: Mapped[Tender] = relationship(back_populates="wards")
    ward: Mapped[Ward] = relationship()


class PcPattern(Audited, db.Model):
    """A spec pattern (標準ノート, 高性能ノート, デスクトップ) and its option tiers."""

    __tablename__ = "pc_pattern"
    __table_args__ = (UniqueConstraint("tender_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[list] = mapped_column(JSON, default=list)  # [{"code": "mem16", "name": "16GB", "group": "メモリ"}]
    unit: Mapped[str] = mapped_column(String(10), default="台", server_default="台")
    tax_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.10"), server_default="0.10")  # 0.08: 飲食料品
    cpv: Mapped[str | None] = mapped_column(String(8))  # CPV code of what it is (OCDS item classification)

    tender: Mapped[Tender] = relationship(back_populates="patterns")


class PcDemandLine(Audited, db.Model):
    __tablename__ = "pc_demand_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    pattern_code: Mapped[str] = mapped_column(String(20))
    options: Mapped[list] = mapped_column(JSON, default=list)
    quantity: Mapped[int]
    lease_months: Mapped[int | None]  # None = purchase
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    delivery_date: Mapped[date | None]


class FacilityDemandLine(Audited, db.Model):
    """Electricity: one ward facility with its voltage class, contract kW, power factor, 12 months."""

    __tablename__ = "facility_demand_line"
    __table_args__ = (UniqueConstraint("tender_id", "ward_id", "facility_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    facility_name: Mapped[str] = mapped_column(String(200))
    voltage: Mapped[str] = mapped_column(String(10))
    contract_kw: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    power_factor: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    planned_kwh: Mapped[list] = mapped_column(JSON)  # 12 decimal strings, April..March


class Bid(Audited, db.Model):
    """A sealed bid. Replacing one keeps the old row (status 'replaced'); the last active counts."""

    __tablename__ = "bid"
    __table_args__ = (Index("ix_bid_tender_vendor", "tender_id", "vendor_id"),
                      # One active bid per vendor and tender, even when two submissions race.
                      Index("uq_bid_active", "tender_id", "vendor_id", unique=True,
                            postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")))
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    receipt: Mapped[str] = mapped_column(String(64))
    key_check: Mapped[str | None] = mapped_column(String(32))  # sealing.key_check of the sealing key
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | replaced | withdrawn
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    vendor: Mapped[Vendor] = relationship()
    evaluations: Mapped[list[BidEvaluation]] = relationship(back_populates="bid", order_by="BidEvaluation.id")

    def evaluation(self, lot_code: str = "") -> BidEvaluation | None:
        return next((e for e in self.evaluations if e.lot_code == lot_code), None)


class BidEvaluation(Audited, db.Model):
    """A bid's result in one lot (lot_code "" = the whole tender), filled at opening and award:
    evaluated price, eligibility with every reason, technical points and score."""

    __tablename__ = "bid_evaluation"
    __table_args__ = (UniqueConstraint("bid_id", "lot_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(20), default="")
    evaluated_price: Mapped[Decimal | None] = mapped_column(Money)
    technical_points: Mapped[Decimal | None] = mapped_column(Money)
    score: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    valid: Mapped[bool] = mapped_column(default=False)
    invalid_reasons: Mapped[list | None] = mapped_column(JSON)

    bid: Mapped[Bid] = relationship(back_populates="evaluations")


class Award(Audited, db.Model):
    """The award of one lot (lot_code "" = the whole tender)."""

    __tablename__ = "tender_award"
    __table_args__ = (UniqueConstraint("tender_id", "lot_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"))
    price: Mapped[Decimal] = mapped_column(Money)
    award_rate: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    tied_bidders: Mapped[list | None] = mapped_column(JSON)
    tie_seed: Mapped[int | None]
    awarded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()


class Contract(Audited, db.Model):
    """A ward's contract with the winner (個別契約), priced from the award with the pricing engine."""

    __tablename__ = "tender_contract"
    __table_args__ = (UniqueConstraint("tender_id", "lot_code", "ward_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)      # tax-exclusive, whole yen
    lines: Mapped[list] = mapped_column(JSON)           # [{pattern, options, lease_months, quantity, unit_price, amount}]
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ward: Mapped[Ward] = relationship()
    vendor: Mapped[Vendor] = relationship()
    amendments: Mapped[list[ContractAmendment]] = relationship(order_by="ContractAmendment.id")


class ContractAmendment(Audited, db.Model):
    """A change to a signed ward contract (契約変更): which line, from what to what, why, by whom.
    Published in OCDS as the contract's amendments."""

    __tablename__ = "tender_contract_amendment"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("tender_contract.id"), index=True)
    line_index: Mapped[int] = mapped_column()
    item: Mapped[str] = mapped_column(String(200))
    from_quantity: Mapped[int] = mapped_column()
    to_quantity: Mapped[int] = mapped_column()
    amount_before: Mapped[Decimal] = mapped_column(Money)  # the contract's total before and after
    amount_after: Mapped[Decimal] = mapped_column(Money)
    rationale: Mapped[str] = mapped_column(Text)
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class ElectricityReading(Audited, db.Model):
    """A month's meter reading of a contracted facility, with the month's pass-through unit rates."""

    __tablename__ = "electricity_reading"
    __table_args__ = (UniqueConstraint("contract_id", "facility_name", "year", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("tender_contract.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    facility_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    month: Mapped[int]
    kwh: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    peak_kw: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    fuel_adjustment_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # yen/kWh, may be negative
    renewable_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))        # 再エネ賦課金 yen/kWh
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TenderQuestion(Audited, db.Model):
    """質問と回答: asked by a vendor, answered by the office, answers shown to every vendor
    without the asker's name."""

    __tablename__ = "tender_question"
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class OcdsRelease(db.Model):
    """An OCDS release as it was first published (served), kept unchanged: a release is immutable,
    so a later change to what it told is published as a new release beside it (tenders.ocds.to_publish).
    Append-only, written once per release id; itself the log of what was published and when."""

    __tablename__ = "ocds_release"
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    release_id: Mapped[str] = mapped_column(String(200), unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)

"""Demo: one pooled-volume fee contract (seed 000's electronic circular board) with last month's
units from four wards, together at the 20,010-household tier (11 yen): Shibuya's month is
1,100 + 11 x 300 = 4,400 yen."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from fees.models import FeeContract, FeeUsage
from procure.extensions import db
from procure.jpcalendar import fiscal_year
from procure.models import Role, User, Vendor, Ward

TITLE = "電子回覧板サービス（町会・自治会向け）"
UNITS = {"131130": 300, "131121": 12000, "131041": 5210, "131016": 2500}


def seed_fees_demo() -> None:
    from procure.formatting import today_in_tokyo

    seed_fees(today_in_tokyo())


def seed_fees(today: date) -> None:
    if db.session.scalar(select(FeeContract.id).filter_by(title=TITLE)):
        return
    vendor = db.session.scalar(select(Vendor).filter_by(corporate_number="7011101045678"))  # 城南オフィスサプライ
    office = db.session.scalar(select(User).filter_by(role=Role.OFFICE).order_by(User.id))
    if vendor is None or office is None:
        return
    contract = FeeContract(vendor_id=vendor.id, title=TITLE, unit_label="世帯", base_fee=Decimal(1100),
                           tiers=[[0, "13"], [10000, "12"], [20000, "11"]], tax_rate=Decimal("0.10"),
                           starts_on=date(fiscal_year(today.replace(day=1) - timedelta(days=1)), 4, 1), created_by_id=office.id)
    db.session.add(contract)
    db.session.flush()
    last = today.replace(day=1) - timedelta(days=1)
    wards = {w.code: w.id for w in db.session.scalars(select(Ward).where(Ward.code.in_(UNITS)))}
    for code, units in UNITS.items():
        db.session.add(FeeUsage(fee_contract_id=contract.id, ward_id=wards[code], year=last.year, month=last.month,
                                units=units, reported_by_id=office.id))

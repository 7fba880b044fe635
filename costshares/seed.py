"""Demo: last fiscal year's running costs shared 4:6 and billed to the 23 wards, and this year's
cost items ready for a preview, with standalone amounts for three wards."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from costshares import service
from costshares.models import OfficeAccount, RunningCost
from costshares.sharing import DEFAULT_WEIGHTS
from procure.extensions import db
from procure.jpcalendar import fiscal_year
from procure.models import Role, User, Ward

ITEMS = (("組織運営費（人件費）", Decimal(30_000_000), DEFAULT_WEIGHTS),
         ("共同調達システム運用費", Decimal(6_000_000), {"equal": Decimal(1), "population": Decimal(0),
                                                     "quantity": Decimal(0)}))
STANDALONE = {"131130": Decimal(3_000_000), "131016": Decimal(1_500_000), "131121": Decimal(9_000_000)}


def seed_cost_shares_demo() -> None:
    from procure.formatting import today_in_tokyo

    this_year = fiscal_year(today_in_tokyo())
    if db.session.scalar(select(RunningCost.id).where(RunningCost.fiscal_year.in_((this_year - 1, this_year)))):
        return
    office = db.session.scalar(select(User).filter_by(role=Role.OFFICE).order_by(User.id))
    if office is None:
        return
    if db.session.scalar(select(OfficeAccount.id)) is None:  # the office's receiving account (demo)
        db.session.add(OfficeAccount(bank_code="0001", bank_name_kana="ﾐｽﾞﾎ", branch_code="001",
                                     branch_name_kana="ﾄｳｷﾖｳ",  # 東京営業部, as the bank master spells it
                                     account_type="1", account_number="7654321",
                                     account_name_kana="ﾄｸﾍﾞﾂｸｷﾖｳﾄﾞｳﾁﾖｳﾀﾂ"))
    for year in (this_year - 1, this_year):
        for label, amount, weights in ITEMS:
            service.add_running_cost(office, year, label, amount, weights)
    wards = {w.code: w.id for w in db.session.scalars(select(Ward).where(Ward.code.in_(STANDALONE)))}
    for year in (this_year - 1, this_year):
        for code, amount in STANDALONE.items():
            service.record_standalone(office, year, wards[code], amount, "単独調達の見積（デモ）")
    service.issue(office, this_year - 1)

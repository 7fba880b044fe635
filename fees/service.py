"""Fee contract use cases: the office sets up a contract; wards (or the office) report a month's
units; the month's fees per ward feed the vendor's monthly invoices (invoicing.service). Flush
only: the request or job commits."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from fees.models import FeeContract, FeeUsage
from fees.pricing import MAX_UNITS, FeeError, WardFee, month_fees, tier_problems
from procure.extensions import db
from procure.models import WARD_ROLES, Role, User, Vendor, Ward

TAX_RATES = (Decimal("0.10"), Decimal("0.08"))


def create_contract(office: User, vendor_id: int, title: str, unit_label: str, base_fee: Decimal,
                    tiers: list[tuple[int, Decimal]], tax_rate: Decimal = Decimal("0.10"),
                    starts: tuple[int, int] | None = None, ends: tuple[int, int] | None = None,
                    ward_ids: list[int] | None = None) -> FeeContract:
    """`starts`/`ends`: (year, month) of the first and last month billed (None: open);
    `ward_ids`: the wards taking part (None or empty: every ward)."""
    title, unit_label = (title or "").strip(), (unit_label or "").strip()
    if db.session.get(Vendor, vendor_id) is None:
        raise FeeError("事業者を選んでください", "vendor")
    if not title or len(title) > 200:
        raise FeeError("契約名を 200 文字以内で入力してください", "title")
    if not unit_label or len(unit_label) > 20:
        raise FeeError("単位（世帯、ID など）を 20 文字以内で入力してください", "unit_label")
    if base_fee < 0 or base_fee != base_fee.to_integral_value():
        raise FeeError("基本料金は 0 以上の円単位で入力してください", "base_fee")
    problems = tier_problems(tiers)
    if problems:
        raise FeeError("\n".join(problems), "tiers")
    if tax_rate not in TAX_RATES:
        raise FeeError("税率は 10% か 8% にしてください", "tax_rate")
    starts_on, ends_on = (date(*ym, 1) if ym else None for ym in (starts, ends))
    if starts_on and ends_on and ends_on < starts_on:
        raise FeeError("契約の終了月は開始月以後にしてください", "ends")
    if ward_ids:
        known = set(db.session.scalars(select(Ward.id).where(Ward.id.in_(ward_ids))))
        if known != set(ward_ids):
            raise FeeError("参加する区を一覧から選んでください", "ward_ids")
    contract = FeeContract(vendor_id=vendor_id, title=title, unit_label=unit_label, base_fee=base_fee,
                           tiers=[[q, str(f)] for q, f in tiers], tax_rate=tax_rate, starts_on=starts_on,
                           ends_on=ends_on, ward_ids=sorted(set(ward_ids)) if ward_ids else None,
                           created_by_id=office.id)
    db.session.add(contract)
    db.session.flush()
    return contract


def term_text(contract: FeeContract) -> str:
    start = f"{contract.starts_on.year}年{contract.starts_on.month}月" if contract.starts_on else ""
    end = f"{contract.ends_on.year}年{contract.ends_on.month}月" if contract.ends_on else ""
    return f"{start}〜{end}" if start or end else "期間の定めなし"


def contracts_for(ward_id: int, year: int, month: int) -> list[FeeContract]:
    """The contracts a ward takes part in for a month (few rows: filtered here, not in SQL)."""
    rows = db.session.scalars(select(FeeContract).order_by(FeeContract.id)).all()
    return [c for c in rows if c.takes_part(ward_id) and c.covers(year, month)]


def month_is_billed(contract_id: int, year: int, month: int) -> bool:
    from invoicing.models import InvoiceLine

    return db.session.scalar(select(InvoiceLine.id).join(FeeUsage, InvoiceLine.fee_usage_id == FeeUsage.id).where(
        FeeUsage.fee_contract_id == contract_id, FeeUsage.year == year, FeeUsage.month == month,
        InvoiceLine.live.is_(True)).limit(1)) is not None


def report_units(user: User, contract_id: int, ward_id: int, year: int, month: int, units: int,
                 today: date) -> FeeUsage:
    """A ward's units for a month (replacing an earlier report), until the month is billed: after
    that the tier every ward was billed at must not move."""
    contract = db.session.get(FeeContract, contract_id)
    if contract is None:
        raise FeeError("契約が見つかりません", "contract")
    if (user.role in WARD_ROLES and user.ward_id != ward_id) or user.role not in (*WARD_ROLES, Role.OFFICE):
        raise FeeError("自区の件数だけ報告できます", "ward")
    if db.session.get(Ward, ward_id) is None:
        raise FeeError("区を選んでください", "ward")
    if not 1 <= month <= 12 or not 2000 <= year <= 2100 or (year, month) > (today.year, today.month):
        raise FeeError("報告する月は今月以前の年月にしてください", "month")
    if not 0 <= units <= MAX_UNITS:
        raise FeeError(f"件数は 0〜{MAX_UNITS:,} で入力してください", "units")
    if not contract.covers(year, month):
        raise FeeError(f"{year}年{month}月は契約期間（{term_text(contract)}）の外です", "month")
    if not contract.takes_part(ward_id):
        raise FeeError(f"{db.session.get(Ward, ward_id).name_ja}はこの契約に参加していません", "ward")
    if month_is_billed(contract.id, year, month):
        raise FeeError(f"{year}年{month}月はすでに請求されています。件数は変更できません", "month")
    usage = db.session.scalar(select(FeeUsage).filter_by(fee_contract_id=contract.id, ward_id=ward_id,
                                                         year=year, month=month))
    if usage is None:
        usage = FeeUsage(fee_contract_id=contract.id, ward_id=ward_id, year=year, month=month, units=units,
                         reported_by_id=user.id)
        db.session.add(usage)
    else:
        usage.units, usage.reported_by_id = units, user.id
    db.session.flush()
    return usage


def report_units_file(office: User, contract_id: int, rows: list, today: date) -> int:
    """All rows of an uploaded file (fees.upload.UnitsRow) or none: every row's problem is
    reported with its row number. The ward is named by its code or its name."""
    wards = db.session.scalars(select(Ward)).all()
    by_key = {w.code: w.id for w in wards} | {w.name_ja: w.id for w in wards}
    problems = []
    for row in rows:
        ward_id = by_key.get(row.ward)
        if ward_id is None:
            problems.append(f"{row.row}行目「区」: 「{row.ward}」は区コードでも区名でもありません")
            continue
        try:
            report_units(office, contract_id, ward_id, row.year, row.month, row.units, today)
        except FeeError as exc:
            problems.append(f"{row.row}行目: {exc}")
    if problems:
        raise FeeUploadError(problems)
    return len(rows)


class FeeUploadError(FeeError):
    def __init__(self, problems: list[str]):
        super().__init__("ファイルに誤りがあります。何も記録していません", "file")
        self.problems = problems


def usages(contract_id: int, year: int, month: int) -> list[FeeUsage]:
    return db.session.scalars(select(FeeUsage).filter_by(fee_contract_id=contract_id, year=year, month=month)
                              .order_by(FeeUsage.ward_id)).all()


def fees_for_month(contract: FeeContract, year: int, month: int) -> dict[int, WardFee]:
    """Per ward id: its fee for the month, at the tier of all wards' reported units."""
    rows = usages(contract.id, year, month)
    fees = month_fees(Decimal(contract.base_fee), contract.tier_list(), {str(u.ward_id): u.units for u in rows})
    return {int(ward): fee for ward, fee in fees.items()}


def billable_fees(vendor_id: int, ward_id: int, year: int, month: int) -> list[tuple[FeeUsage, FeeContract, WardFee]]:
    """The ward's months of the vendor's fee contracts not yet billed, with their fee."""
    from invoicing.models import InvoiceLine

    billed = select(InvoiceLine.fee_usage_id).where(InvoiceLine.fee_usage_id.is_not(None), InvoiceLine.live.is_(True))
    found = []
    for usage in db.session.scalars(select(FeeUsage).join(FeeContract).where(
            FeeContract.vendor_id == vendor_id, FeeUsage.ward_id == ward_id, FeeUsage.year == year,
            FeeUsage.month == month, FeeUsage.units > 0, FeeUsage.id.not_in(billed)).order_by(FeeUsage.id)):
        fee = fees_for_month(usage.contract, year, month).get(ward_id)
        if fee is not None:
            found.append((usage, usage.contract, fee))
    return found


def fee_lines(usage: FeeUsage, contract: FeeContract, fee: WardFee) -> list[dict]:
    """The invoice lines of a ward's month: the base fee and the usage at the pooled tier."""
    when = f"{usage.year}年{usage.month}月"
    lines = [
        {"charge_kind": "base", "description": f"{contract.title} 基本料金（{when}）", "quantity": Decimal(1),
         "unit": "月", "unit_price": fee.base_fee, "amount": fee.base_fee},
        {"charge_kind": "usage", "description": f"{contract.title} 従量料金（{when}、全区合計 {fee.pooled_units:,}"
                                                f"{contract.unit_label}の段階）", "quantity": Decimal(fee.units),
         "unit": contract.unit_label, "unit_price": fee.unit_fee, "amount": fee.usage_amount},
    ]
    return [line for line in lines if line["charge_kind"] == "usage" or line["amount"]]

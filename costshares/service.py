"""Cost share use cases: the office records a fiscal year's cost items and each ward's standalone
reference, previews the shares, and issues the bills once; wards read theirs. Flush only."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select

from costshares.models import CostShareBill, RunningCost, StandaloneReference
from costshares.sharing import BASIS_NAMES, CostItem, Member, SharingError, WardShare, share_costs  # noqa: F401
from procure.extensions import db
from procure.formatting import TOKYO
from procure.jpcalendar import fiscal_year_bounds
from procure.models import User, Ward

DEFAULT_MIN_SAVINGS = Decimal("0.30")  # seed 004: every member saves at least 30%
MAX_AMOUNT = Decimal(10) ** 12


def _year(fiscal_year: int) -> int:
    if not 2000 <= fiscal_year <= 2100:
        raise SharingError("年度は 2000〜2100 にしてください", "fiscal_year")
    return fiscal_year


def _issued(fiscal_year: int) -> bool:
    return db.session.scalar(select(CostShareBill.id).filter_by(fiscal_year=fiscal_year).limit(1)) is not None


def _yen(value: Decimal, field: str, label: str) -> Decimal:
    if value < 0 or value > MAX_AMOUNT or value != value.to_integral_value():
        raise SharingError(f"{label}は 0 以上の円単位で入力してください", field)
    return value


def add_running_cost(office: User, fiscal_year: int, label: str, amount: Decimal,
                     weights: dict[str, Decimal]) -> RunningCost:
    if _issued(_year(fiscal_year)):
        raise SharingError(f"{fiscal_year}年度の負担金は請求済みです。費目は変更できません", "fiscal_year")
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise SharingError("費目名を 100 文字以内で入力してください", "label")
    if any(w < 0 for w in weights.values()) or not any(weights.values()):
        raise SharingError("配分の重みは 0 以上で、少なくとも 1 つを 0 より大きくしてください", "weights")
    row = RunningCost(fiscal_year=fiscal_year, label=label, amount=_yen(amount, "amount", "金額"),
                      weight_equal=weights.get("equal", Decimal(0)),
                      weight_population=weights.get("population", Decimal(0)),
                      weight_quantity=weights.get("quantity", Decimal(0)), created_by_id=office.id)
    db.session.add(row)
    db.session.flush()
    return row


def delete_running_cost(office: User, cost_id: int) -> None:
    row = db.session.get(RunningCost, cost_id)
    if row is None:
        raise SharingError("費目が見つかりません", "cost")
    if _issued(row.fiscal_year):
        raise SharingError(f"{row.fiscal_year}年度の負担金は請求済みです。費目は変更できません", "fiscal_year")
    db.session.delete(row)
    db.session.flush()


def record_standalone(office: User, fiscal_year: int, ward_id: int, amount: Decimal, source: str) -> StandaloneReference:
    if _issued(_year(fiscal_year)):
        raise SharingError(f"{fiscal_year}年度の負担金は請求済みです", "fiscal_year")
    if db.session.get(Ward, ward_id) is None:
        raise SharingError("区を選んでください", "ward")
    source = (source or "").strip()
    if not source or len(source) > 200:
        raise SharingError("根拠（単独見積、参考価格など）を 200 文字以内で入力してください", "source")
    row = db.session.scalar(select(StandaloneReference).filter_by(fiscal_year=fiscal_year, ward_id=ward_id))
    if row is None:
        row = StandaloneReference(fiscal_year=fiscal_year, ward_id=ward_id, amount=Decimal(0), source="",
                                  recorded_by_id=office.id)
        db.session.add(row)
    row.amount, row.source, row.recorded_by_id = _yen(amount, "amount", "単独調達の見込額"), source, office.id
    db.session.flush()
    return row


def running_costs(fiscal_year: int) -> list[RunningCost]:
    return db.session.scalars(select(RunningCost).filter_by(fiscal_year=fiscal_year).order_by(RunningCost.id)).all()


def cost_items(fiscal_year: int) -> list[CostItem]:
    return [CostItem(row.label, Decimal(row.amount), {"equal": Decimal(row.weight_equal),
                                                      "population": Decimal(row.weight_population),
                                                      "quantity": Decimal(row.weight_quantity)})
            for row in running_costs(fiscal_year)]


def joint_amounts(fiscal_year: int) -> dict[int, Decimal]:
    """Per ward, in whole yen (fractions dropped): what it committed through joint procurement in
    the fiscal year (Tokyo dates): tender contracts signed, catalog order lines approved on orders
    placed, and the month-close re-pricing of the year's months. Tax-exclusive throughout."""
    from catalog.order_models import MonthClose, Order, OrderLine, PooledAdjustment
    from catalog.states import APPROVED
    from tenders.models import Contract

    first, last = fiscal_year_bounds(fiscal_year)
    start, end = (datetime.combine(day, time(0), TOKYO) for day in (first, last + timedelta(days=1)))
    sums = (
        select(Contract.ward_id, func.sum(Contract.amount)).where(Contract.signed_at >= start, Contract.signed_at < end)
        .group_by(Contract.ward_id),
        select(OrderLine.ward_id, func.sum(OrderLine.amount)).join(Order, OrderLine.order_id == Order.id)
        .where(OrderLine.approval == APPROVED, Order.placed_at >= start, Order.placed_at < end)
        .group_by(OrderLine.ward_id),
        select(PooledAdjustment.ward_id, func.sum(PooledAdjustment.adjustment))
        .join(MonthClose, PooledAdjustment.month_close_id == MonthClose.id)
        .where((MonthClose.year * 100 + MonthClose.month).between(first.year * 100 + first.month,
                                                                   last.year * 100 + last.month))
        .group_by(PooledAdjustment.ward_id),
    )
    totals: dict[int, Decimal] = {}
    for stmt in sums:
        for ward_id, amount in db.session.execute(stmt):
            totals[ward_id] = totals.get(ward_id, Decimal(0)) + Decimal(amount or 0)
    return {ward_id: max(total, Decimal(0)).quantize(Decimal(1), ROUND_DOWN) for ward_id, total in totals.items()}


def members(fiscal_year: int) -> tuple[list[Member], dict[str, Ward]]:
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    joint = joint_amounts(fiscal_year)
    standalone = {r.ward_id: Decimal(r.amount) for r in db.session.scalars(
        select(StandaloneReference).filter_by(fiscal_year=fiscal_year))}
    return ([Member(w.code, w.population, joint.get(w.id, Decimal(0)), standalone.get(w.id)) for w in wards],
            {w.code: w for w in wards})


def preview(fiscal_year: int, min_savings_rate: Decimal | None = DEFAULT_MIN_SAVINGS) -> list[WardShare]:
    listed, _ = members(_year(fiscal_year))
    return share_costs(listed, cost_items(fiscal_year), min_savings_rate)


def basis_text(item: CostItem, ward: Ward, totals: dict[str, Decimal], joint: Decimal) -> str:
    """How one item's share of a ward is made, for the ward to check."""
    weight_sum = sum(item.weights.values())
    parts = []
    for key, weight in item.weights.items():
        if not weight:
            continue
        basis = {"equal": f"1/{totals['count']}", "population": f"{ward.population:,}/{totals['population']:,}",
                 "quantity": f"{joint:,}/{totals['joint']:,}"}[key]
        parts.append(f"{BASIS_NAMES[key]} {weight.normalize():f}/{weight_sum.normalize():f} × {basis}")
    return f"{item.amount:,.0f} 円 × （" + " + ".join(parts) + "）"


def issue(office: User, fiscal_year: int, min_savings_rate: Decimal | None = DEFAULT_MIN_SAVINGS) -> list[CostShareBill]:
    """Fix and bill the year's shares once: one bill per ward with a share."""
    if _issued(_year(fiscal_year)):
        raise SharingError(f"{fiscal_year}年度の負担金は請求済みです", "fiscal_year")
    listed, wards = members(fiscal_year)
    items = cost_items(fiscal_year)
    shares = share_costs(listed, items, min_savings_rate)
    totals = {"count": len(listed), "population": sum(m.population for m in listed),
              "joint": sum((m.joint_amount for m in listed), Decimal(0))}
    bills = []
    for share in shares:
        ward = wards[share.ward]
        lines = [{"label": item.label, "amount": str(amount), "basis": basis_text(item, ward, totals, share.joint_amount)}
                 for item, amount in zip(items, share.item_shares)]
        if share.adjustment:
            lines.append({"label": "最低削減率の保証による調整", "amount": str(share.adjustment),
                          "basis": (f"単独調達の見込額 {share.standalone_amount:,.0f} 円の {min_savings_rate:.0%} 削減を保証"
                                    if share.adjustment < 0 else
                                    "他区の保証に必要な額を、保証額までの余裕に応じて負担")})
        bill = CostShareBill(number=f"FY{fiscal_year}-{ward.code}", fiscal_year=fiscal_year, ward_id=ward.id,
                             joint_amount=share.joint_amount, standalone_amount=share.standalone_amount,
                             shares=share.shares, adjustment=share.adjustment, total=share.bill,
                             min_savings_rate=min_savings_rate, lines=lines, issued_by_id=office.id)
        db.session.add(bill)
        bills.append(bill)
    db.session.flush()
    _record_savings(bills)
    return bills


def _record_savings(bills: list[CostShareBill]) -> None:
    """Each bill in the savings ledger as a cost a ward buying alone would not have: reference 0,
    so every dashboard total is net of the office's running costs. Purchases keep their own rows;
    the guarantee against standalone amounts is the bill's own business (its lines say how)."""
    from savings import service as savings
    from savings.models import OFFICE_COST
    from procure.formatting import today_in_tokyo

    for bill in bills:
        savings.record(ward_id=bill.ward_id, source="cost_share", source_id=bill.id,
                       title=f"{bill.fiscal_year}年度 共同調達の運営費負担金", category="運営費負担金",
                       fixed_on=today_in_tokyo(), reference_kind=OFFICE_COST, reference_amount=Decimal(0),
                       paid_amount=bill.total)

"""Month close: pooled catalog items re-priced with the month's volume across all wards."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.approval import REJECTED
from catalog.models import CatalogItem, PooledItemPolicy
from catalog.order_models import MonthClose, Order, OrderLine, PooledAdjustment
from catalog.pooled import price_month
from procure import uow
from procure.extensions import db
from procure.jpcalendar import TOKYO, month_bounds
from procure.models import User
from procure.pricing.policy import PricingPolicy
from savings import service as savings
from savings.models import INDIVIDUAL_TIER


class MonthCloseError(ValueError):
    pass


def _utc_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start, end = month_bounds(year, month)
    return (datetime.combine(start, time(), TOKYO), datetime.combine(end, time(), TOKYO))


def check_closable(year: int, month: int, today: date) -> None:
    """Why a month cannot be closed (MonthCloseError), checked before its job is queued and again
    by the job itself."""
    if not 1 <= month <= 12:
        raise MonthCloseError("月は 1〜12 にしてください")
    if today < month_bounds(year, month)[1]:
        raise MonthCloseError(f"{year}年{month}月はまだ終わっていません")
    if db.session.scalar(select(MonthClose.id).filter_by(year=year, month=month)):
        raise MonthCloseError(f"{year}年{month}月は締め済みです")


def close_month_job(job_id: int, progress, year: int, month: int, today: str, office_id: int) -> dict:
    """The month close as a background job (procure.jobs): one unit of work, committed with the
    job's "done"; a close that raced another fails with the reason."""
    progress(0, 1, "締め処理中")
    closed = close_month(db.session.get(User, office_id), year, month, date.fromisoformat(today))
    return {"year": year, "month": month, "adjustments": len(closed.adjustments)}


@uow.use_case
def close_month(office: User, year: int, month: int, today: date) -> MonthClose:
    """Once per month, after it ended: per item, all wards' quantities placed in the month
    (lines not rejected) priced by the item's policy (pooled unless the office chose otherwise);
    the difference is each ward's adjustment."""
    check_closable(year, month, today)
    start, end = _utc_bounds(year, month)
    lines = db.session.execute(
        select(OrderLine, CatalogItem).join(Order, OrderLine.order_id == Order.id)
        .join(CatalogItem, OrderLine.item_id == CatalogItem.id)
        .where(OrderLine.pooled_pricing.is_(True), OrderLine.approval != REJECTED,
               Order.placed_at >= start, Order.placed_at < end)
        .order_by(OrderLine.id)).all()
    by_item: dict[tuple, dict] = defaultdict(lambda: {"ward": defaultdict(lambda: [0, Decimal(0)])})
    for line, item in lines:
        entry = by_item[(line.vendor_id, line.sku)]
        entry["item"], entry["line"] = item, line  # the latest line's item and price decide
        per_ward = entry["ward"][line.ward_id]
        per_ward[0] += line.quantity
        per_ward[1] += line.amount
    closed = MonthClose(year=year, month=month, closed_by_id=office.id)
    db.session.add(closed)
    references = []  # (adjustment, category, what the ward alone would have paid): the savings ledger
    policies = {(row.vendor_id, row.sku): PricingPolicy.from_dict(row.policy)
                for row in db.session.scalars(select(PooledItemPolicy))}
    for (vendor_id, sku), entry in sorted(by_item.items()):
        item, line = entry["item"], entry["line"]
        policy = policies.get((vendor_id, sku), PricingPolicy())
        quantities = {str(w): q for w, (q, _) in entry["ward"].items()}
        priced = price_month(line.unit_price, item.tiers or [], quantities, policy)
        alone = price_month(line.unit_price, item.tiers or [], quantities,
                            PricingPolicy("individual", rounding=policy.rounding))
        for ward_id, (quantity, provisional) in entry["ward"].items():
            price = priced[str(ward_id)]
            adjustment = PooledAdjustment(
                month_close=closed, ward_id=ward_id, vendor_id=vendor_id, sku=sku, name=line.name,
                tax_rate=line.tax_rate, quantity=quantity, pooled_quantity=sum(quantities.values()),
                pricing_mode=policy.mode, tier_quantity=price.tier_quantity,
                provisional_amount=provisional, final_unit_price=price.unit_price,
                final_amount=price.amount, adjustment=price.amount - provisional)
            db.session.add(adjustment)
            references.append((adjustment, item.category, alone[str(ward_id)].amount))
    try:
        db.session.flush()
    except IntegrityError:
        uow.rollback()
        raise MonthCloseError(f"{year}年{month}月は締め済みです") from None
    for adjustment, category, reference in references:  # ids exist now
        savings.record(ward_id=adjustment.ward_id, source="pooled_adjustment", source_id=adjustment.id,
                       title=f"{adjustment.name} {year}年{month}月", category=category, fixed_on=today,
                       reference_kind=INDIVIDUAL_TIER, reference_amount=reference,
                       paid_amount=adjustment.final_amount)
    return closed

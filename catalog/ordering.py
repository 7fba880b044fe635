"""Use cases of ward ordering: place, approve or reject lines. The only place that commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog import approval, cart
from catalog.models import CatalogItem
from catalog.order_models import ApprovalRule, Budget, Order, OrderLine
from catalog.queries import published_items
from catalog.states import ORDER, ORDER_LINE_APPROVAL
from procure.money import TaxLine, round_yen, tax_summary
from procure import audit, state_guard, uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.jpcalendar import TOKYO, default_delivery_date, fiscal_year, is_business_day
from procure.models import Department, Facility, User
from procure.errors import FieldError


class OrderError(FieldError):
    """A specific, user-facing reason why an order cannot be placed or decided."""


@dataclass(frozen=True)
class CartLine:
    item_id: int
    quantity: int


def _own(model, ident, user: User, label: str):
    row = db.session.get(model, ident) if ident else None
    if row is None or row.ward_id != user.ward_id:
        raise OrderError(f"{label}を選んでください（自区のもののみ選べます）", label)
    return row


def _priced_lines(lines: list[CartLine], on: date) -> list[tuple[CatalogItem, int, Decimal]]:
    if not lines:
        raise OrderError("カートが空です", "cart")
    ids = [line.item_id for line in lines]
    items = {i.id: i for i in db.session.scalars(published_items(on).where(CatalogItem.id.in_(ids)))}
    priced = []
    for line in lines:
        item = items.get(line.item_id)
        if item is None:
            raise OrderError(f"商品 ID {line.item_id} は現在のカタログにありません", "cart")
        if line.quantity < item.min_order_qty:
            raise OrderError(f"「{item.name}」は {item.min_order_qty} {item.unit} 以上で発注してください",
                             "quantity")
        # Pooled-tier items are priced provisionally at the contract price until month close.
        priced.append((item, line.quantity, line_amount(item.contract_price, line.quantity)))
    return priced


def line_amount(unit_price: Decimal, quantity: int) -> Decimal:
    """Whole yen per line, fractions of a yen dropped (unit prices may have sen)."""
    return round_yen(unit_price * quantity, "down")


def budget_amount(lines) -> Decimal:
    """What an order holds against its budget: tax included, rounded up per rate, so that
    whatever rounding the vendor invoices with, the budget is never exceeded."""
    buckets = tax_summary([TaxLine(amount, rate) for amount, rate in lines], rounding="up")
    return sum((b.amount_including_tax for b in buckets.values()), Decimal(0))


def _reserve(budget: Budget, amount: Decimal) -> None:
    """Guarded UPDATE: atomic on SQLite and PostgreSQL, so concurrent orders cannot overspend."""
    reserved = audit.audited_update(Budget, Budget.id == budget.id, Budget.committed + amount <= Budget.amount,
                                    values={"committed": Budget.committed + amount}, synchronize_session=False)
    if len(reserved) != 1:
        uow.rollback()
        db.session.refresh(budget)
        raise OrderError(f"予算「{budget.name}」の残額が不足しています（残額 {budget.remaining:,.0f} 円、"
                         f"発注額（税込見込） {amount:,.0f} 円）", "budget")


@uow.use_case
def place_order(user: User, lines: list[CartLine], facility_id: int, department_id: int,
                budget_id: int, idempotency_key: str, requested_delivery_date: date | None = None,
                note: str | None = None, clear_cart: bool = False) -> Order:
    """Place an order once per idempotency key; reserve the budget; route it for approval."""
    existing = db.session.scalar(select(Order).filter_by(placed_by_id=user.id,
                                                         idempotency_key=idempotency_key))
    if existing is not None:
        return existing
    now = utcnow()
    priced = _priced_lines(lines, now.astimezone(TOKYO).date())
    lead_time = max(item.lead_time_days for item, _, _ in priced)
    earliest = default_delivery_date(now, lead_time)
    delivery = requested_delivery_date or earliest
    if delivery < earliest or not is_business_day(delivery):
        raise OrderError(f"納品希望日は {earliest.isoformat()} 以降の開庁日にしてください", "delivery_date")
    facility = _own(Facility, facility_id, user, "納品先施設")
    department = _own(Department, department_id, user, "部署")
    budget = _own(Budget, budget_id, user, "予算")
    if budget.department_id != department.id or budget.fiscal_year != fiscal_year(delivery):
        raise OrderError("予算は部署と納品年度に合うものを選んでください", "budget")

    total = sum((amount for _, _, amount in priced), Decimal(0))
    rule = db.session.scalar(select(ApprovalRule).filter_by(ward_id=user.ward_id))
    reasons = approval.approval_reasons(
        total, {item.category for item, _, _ in priced},
        rule.threshold_amount if rule else None, set(rule.restricted_categories) if rule else set())
    decision = approval.PENDING if reasons else approval.APPROVED

    reserved = budget_amount((amount, item.tax_rate) for item, _, amount in priced)
    _reserve(budget, reserved)
    order = Order(ward_id=user.ward_id, department_id=department.id, facility_id=facility.id,
                  budget_id=budget.id, placed_by_id=user.id, placed_at=now,
                  idempotency_key=idempotency_key, requested_delivery_date=delivery,
                  status=decision, total=total, reserved=reserved, note=note)
    for item, quantity, amount in priced:
        order.lines.append(OrderLine(
            ward_id=user.ward_id, vendor_id=item.vendor_id, item_id=item.id, sku=item.sku,
            name=item.name, unit=item.unit, category=item.category, tax_rate=item.tax_rate,
            unit_price=item.contract_price, pooled_pricing=bool(item.tiers), quantity=quantity,
            amount=amount, approval=decision,
            decided_at=None if reasons else now))
    db.session.add(order)
    if clear_cart:
        cart.clear(user)
    try:
        db.session.flush()
    except IntegrityError:
        # The same form submitted twice at once: the other request placed it.
        uow.rollback()
        existing = db.session.scalar(select(Order).filter_by(placed_by_id=user.id,
                                                             idempotency_key=idempotency_key))
        if existing is None:
            raise
        return existing
    return order


@uow.use_case
def decide_line(approver: User, line_id: int, approve: bool, reason: str | None = None) -> OrderLine:
    """An approver approves or rejects one pending line; a rejection releases its budget."""
    line = db.session.get(OrderLine, line_id)
    if line is None or line.ward_id != approver.ward_id:
        raise OrderError("明細が見つかりません", "line")
    if line.approval != approval.PENDING:
        raise OrderError("この明細は既に決裁済みです", "line")
    if not approve and not (reason or "").strip():
        raise OrderError("却下の理由を入力してください", "reason")
    state_guard.step(line, ORDER_LINE_APPROVAL, "approve" if approve else "reject", approver.role.value)
    line.decided_by_id, line.decided_at = approver.id, utcnow()
    line.rejection_reason = None if approve else reason.strip()
    if not approve:
        order = line.order
        seen = order.reserved
        still = budget_amount((l.amount, l.tax_rate) for l in order.lines if l.approval != approval.REJECTED)
        # A compare-and-set on what the order still holds: two lines of one order rejected at
        # once cannot both release from the same reservation (the second is told to reload).
        # The order's amount counts only lines not rejected.
        if not audit.audited_update(Order, Order.id == order.id, Order.reserved == seen,
                                    values={"reserved": still, "total": Order.total - line.amount}):
            raise state_guard.Conflict(ORDER.name)
        audit.audited_update(Budget, Budget.id == order.budget_id,
                             values={"committed": Budget.committed - (seen - still)})
    state_guard.move_to(line.order, ORDER, approval.order_status([l.approval for l in line.order.lines]),
                        approver.role.value)
    db.session.flush()
    return line

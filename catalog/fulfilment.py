"""Use cases after approval: vendors confirm and ship (納品), inspectors inspect (検収)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.approval import APPROVED
from catalog.delivery_models import Delivery, DeliveryLine, Inspection
from catalog.order_models import LINE_CONFIRMED, LINE_DELIVERED, LINE_OPEN, Order, OrderLine
from procure import uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User


class FulfilmentError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def vendor_lines(order: Order, vendor_id: int) -> list[OrderLine]:
    """The approved lines of an order that a vendor supplies."""
    return [line for line in order.lines if line.vendor_id == vendor_id and line.approval == APPROVED]


def _vendor_order(vendor: User, order_id: int) -> tuple[Order, list[OrderLine]]:
    order = db.session.get(Order, order_id)
    lines = vendor_lines(order, vendor.vendor_id) if order else []
    if not lines:
        raise FulfilmentError("注文が見つかりません", "order")
    return order, lines


@uow.use_case
def confirm_order(vendor: User, order_id: int) -> Order:
    """受注確認: idempotent, confirming again changes nothing."""
    order, lines = _vendor_order(vendor, order_id)
    now = utcnow()
    for line in lines:
        if line.fulfilment == LINE_OPEN:
            line.fulfilment, line.confirmed_at = LINE_CONFIRMED, now
    db.session.flush()
    return order


@uow.use_case
def ship(vendor: User, order_id: int, note_number: str, delivered_on: date,
         quantities: dict[int, int]) -> Delivery:
    """One delivery with its delivery note; quantities per order line, at most what is still open."""
    order, lines = _vendor_order(vendor, order_id)
    note_number = (note_number or "").strip()
    if not note_number:
        raise FulfilmentError("納品書番号を入力してください", "note_number")
    if db.session.scalar(select(Delivery.id).filter_by(vendor_id=vendor.vendor_id,
                                                        note_number=note_number)):
        raise FulfilmentError(f"納品書番号 {note_number} は既に使われています", "note_number")
    if delivered_on < order.placed_at.date():
        raise FulfilmentError("納品日は発注日以降にしてください", "delivered_on")
    by_id = {line.id: line for line in lines}
    unknown = set(quantities) - set(by_id)
    if unknown:
        raise FulfilmentError(f"この注文の明細ではありません: {sorted(unknown)}", "lines")
    delivery = Delivery(vendor_id=vendor.vendor_id, ward_id=order.ward_id, facility_id=order.facility_id,
                        order_id=order.id, note_number=note_number[:40], delivered_on=delivered_on,
                        recorded_by_id=vendor.id)
    for line_id, quantity in sorted(quantities.items()):
        if not quantity:
            continue
        line = by_id[line_id]
        remaining = line.quantity - line.delivered_quantity
        if quantity < 0 or quantity > remaining:
            raise FulfilmentError(f"「{line.name}」の納品数は 0〜{remaining} にしてください", f"qty_{line_id}")
        line.delivered_quantity += quantity
        if line.delivered_quantity == line.quantity:
            line.fulfilment = LINE_DELIVERED
        elif line.fulfilment == LINE_OPEN:
            line.fulfilment, line.confirmed_at = LINE_CONFIRMED, utcnow()
        delivery.lines.append(DeliveryLine(ward_id=order.ward_id, order_line_id=line.id,
                                           description=line.name, quantity=quantity))
    if not delivery.lines:
        uow.rollback()
        raise FulfilmentError("納品する数量を1つ以上入力してください", "lines")
    db.session.add(delivery)
    db.session.flush()
    return delivery


@dataclass(frozen=True)
class InspectionEntry:
    delivery_line_id: int
    accepted: int
    rejected: int
    reason: str | None = None


@uow.use_case
def inspect_delivery(inspector: User, delivery_id: int, entries: list[InspectionEntry]) -> list[Inspection]:
    """検収 of delivered lines: accepted + rejected must equal what was delivered, a rejection
    needs a reason. Every problem is reported; nothing is saved unless all entries are right."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.ward_id != inspector.ward_id:
        raise FulfilmentError("納品が見つかりません", "delivery")
    lines = {line.id: line for line in delivery.lines}
    problems, inspections = [], []
    for entry in entries:
        line = lines.get(entry.delivery_line_id)
        if line is None:
            problems.append(f"明細 {entry.delivery_line_id} はこの納品のものではありません")
            continue
        if line.inspection is not None:
            problems.append(f"「{line.description}」は検収済みです")
            continue
        if entry.accepted < 0 or entry.rejected < 0 or entry.accepted + entry.rejected != line.quantity:
            problems.append(f"「{line.description}」: 合格数 {entry.accepted} と不合格数 {entry.rejected} の"
                            f"合計を納品数 {line.quantity} にしてください")
        reason = (entry.reason or "").strip()
        if entry.rejected > 0 and not reason:
            problems.append(f"「{line.description}」: 不合格の理由を入力してください")
        inspections.append(Inspection(delivery_line_id=line.id, ward_id=line.ward_id,
                                      accepted_quantity=entry.accepted, rejected_quantity=entry.rejected,
                                      rejection_reason=reason[:500] or None, inspector_id=inspector.id))
    if not entries:
        problems.append("検収する明細がありません")
    if problems:
        raise FulfilmentError("\n".join(problems), "lines")
    db.session.add_all(inspections)
    try:
        db.session.flush()
    except IntegrityError:  # inspected at the same moment by a colleague
        uow.rollback()
        raise FulfilmentError("この納品は他の職員が検収しました。画面を更新してください", "lines") from None
    return inspections

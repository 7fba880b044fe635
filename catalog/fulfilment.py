"""Use cases after approval: vendors confirm and ship (納品). The delivery itself is recorded, and
later inspected (検収), in the deliveries package."""
from __future__ import annotations

from datetime import date

from catalog.approval import APPROVED
from catalog.order_models import LINE_OPEN, Order, OrderLine
from catalog.states import ORDER_LINE_FULFILMENT
from deliveries import services as deliveries
from procure import state_guard, uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import User
from procure.errors import FieldError


class FulfilmentError(FieldError):
    pass


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
            state_guard.step(line, ORDER_LINE_FULFILMENT, "confirm", vendor.role.value)
            line.confirmed_at = now
    db.session.flush()
    return order


@uow.use_case
def ship(vendor: User, order_id: int, note_number: str, delivered_on: date,
         quantities: dict[int, int]) -> deliveries.Delivery:
    """One delivery with its delivery note; quantities per order line, at most what is still open."""
    order, lines = _vendor_order(vendor, order_id)
    try:
        note_number = deliveries.free_note_number(vendor.vendor_id, note_number)
    except deliveries.DeliveryError as exc:
        raise FulfilmentError(str(exc), exc.field) from None
    if delivered_on < order.placed_at.date():
        raise FulfilmentError("納品日は発注日以降にしてください", "delivered_on")
    ahead = deliveries.delivery_date_problem(delivered_on, today_in_tokyo(), order.requested_delivery_date)
    if ahead:
        raise FulfilmentError(ahead, "delivered_on")
    by_id = {line.id: line for line in lines}
    unknown = set(quantities) - set(by_id)
    if unknown:
        raise FulfilmentError(f"この注文の明細ではありません: {sorted(unknown)}", "lines")
    shipped = []
    for line_id, quantity in sorted(quantities.items()):
        if not quantity:
            continue
        line = by_id[line_id]
        remaining = line.quantity - line.delivered_quantity
        if quantity < 0 or quantity > remaining:
            raise FulfilmentError(f"「{line.name}」の納品数は 0〜{remaining} にしてください", f"qty_{line_id}")
        line.delivered_quantity += quantity
        if line.delivered_quantity == line.quantity:
            state_guard.step(line, ORDER_LINE_FULFILMENT, "deliver", vendor.role.value)
        elif line.fulfilment == LINE_OPEN:
            state_guard.step(line, ORDER_LINE_FULFILMENT, "confirm", vendor.role.value)
            line.confirmed_at = utcnow()
        shipped.append(deliveries.NewLine(ward_id=order.ward_id, order_line_id=line.id,
                                          description=line.name, quantity=quantity))
    try:
        return deliveries.record_delivery(
            vendor_id=vendor.vendor_id, ward_id=order.ward_id, facility_id=order.facility_id,
            note_number=note_number, delivered_on=delivered_on, recorded_by=vendor, lines=shipped,
            order_id=order.id)
    except deliveries.DeliveryError as exc:
        raise FulfilmentError(str(exc), exc.field) from None

"""Delivery and inspection use cases, and the quantities other packages read.

Catalog (order shipments) and tenders (contract deliveries) record deliveries with
`record_delivery`; ward inspectors inspect any delivery with `inspect_delivery`; invoicing reads
accepted quantities with the `accepted_*` queries. Services flush; the request or job commits.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from deliveries.inspection import (NOTE_NUMBER_LENGTH, REASON_LENGTH, InspectionEntry, clean_text,  # noqa: F401
                                   delivery_date_problem, entry_problems, inspection_date_problem)
from deliveries.models import Delivery, DeliveryLine, Inspection
from deliveries.states import DELIVERY_LINE, inspect_action, line_state
from procure import state_guard, uow
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import User
from procure.errors import FieldError


class DeliveryError(FieldError):
    pass


@dataclass(frozen=True)
class NewLine:
    """One line of a delivery: a catalog order line, or a line of a tender contract."""
    ward_id: int
    description: str
    quantity: int
    order_line_id: int | None = None
    contract_id: int | None = None
    contract_line: int | None = None


def free_note_number(vendor_id: int, note_number: str | None) -> str:
    """The note number as it will be stored, if the vendor has not used it yet."""
    # A code, not prose: full-width letters and digits are the same number (Ｎ－１ is N-1).
    note_number = unicodedata.normalize("NFKC", clean_text(note_number))
    if not note_number:
        raise DeliveryError("納品書番号を入力してください", "note_number")
    if len(note_number) > NOTE_NUMBER_LENGTH:  # refused, never cut: a cut number could match another
        raise DeliveryError(f"納品書番号は {NOTE_NUMBER_LENGTH} 文字以内で入力してください", "note_number")
    if db.session.scalar(select(Delivery.id).filter_by(vendor_id=vendor_id, note_number=note_number)):
        raise DeliveryError(f"納品書番号 {note_number} は既に使われています", "note_number")
    return note_number


@uow.use_case
def record_delivery(*, vendor_id: int, ward_id: int, facility_id: int, note_number: str, delivered_on: date,
                    recorded_by: User, lines: list[NewLine], order_id: int | None = None) -> Delivery:
    """One delivery with its delivery note (納品書), for the ward to inspect."""
    note_number = free_note_number(vendor_id, note_number)
    if not lines:
        raise DeliveryError("納品する数量を1つ以上入力してください", "lines")
    delivery = Delivery(vendor_id=vendor_id, ward_id=ward_id, facility_id=facility_id, order_id=order_id,
                        note_number=note_number, delivered_on=delivered_on, recorded_by_id=recorded_by.id)
    delivery.lines = [DeliveryLine(ward_id=line.ward_id, order_line_id=line.order_line_id,
                                   contract_id=line.contract_id, contract_line=line.contract_line,
                                   description=line.description, quantity=line.quantity) for line in lines]
    db.session.add(delivery)
    db.session.flush()
    return delivery


@uow.use_case
def inspect_delivery(inspector: User, delivery_id: int, entries: list[InspectionEntry],
                     today: date | None = None) -> list[Inspection]:
    """検収 of delivered lines: accepted + rejected must equal what was delivered, a rejection
    needs a reason. Every problem is reported; nothing is saved unless all entries are right."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.ward_id != inspector.ward_id:
        raise DeliveryError("納品が見つかりません", "delivery")
    too_early = inspection_date_problem(delivery.delivered_on, today or today_in_tokyo())
    if too_early:
        raise DeliveryError(too_early, "delivery")
    lines = {line.id: line for line in delivery.lines}
    problems, inspections, steps = [], [], []
    for entry in entries:
        line = lines.get(entry.delivery_line_id)
        if line is None:
            problems.append(f"明細 {entry.delivery_line_id} はこの納品のものではありません")
            continue
        if line.inspection is not None:
            problems.append(f"「{line.description}」は検収済みです")
            continue
        found = entry_problems(line.description, line.quantity, entry)
        problems += found
        if not found:  # the line's state, read from its inspection, is audited as it changes
            steps.append((line, inspect_action(entry.accepted, entry.rejected)))
        inspections.append(Inspection(delivery_line_id=line.id, ward_id=line.ward_id,
                                      accepted_quantity=entry.accepted, rejected_quantity=entry.rejected,
                                      rejection_reason=clean_text(entry.reason)[:REASON_LENGTH] or None,
                                      inspector_id=inspector.id))
    if not entries:
        problems.append("検収する明細がありません")
    if problems:
        raise DeliveryError("\n".join(problems), "lines")
    for line, action in steps:
        try:
            state_guard.derived_step("delivery_line", line.id, DELIVERY_LINE, action, inspector.role.value,
                                     line_state(None, None))
        except state_guard.TransitionError as exc:
            raise DeliveryError(str(exc), "lines") from None
    db.session.add_all(inspections)
    try:
        db.session.flush()
    except IntegrityError:  # inspected at the same moment by a colleague
        raise DeliveryError("この納品は他の職員が検収しました。画面を更新してください", "lines") from None
    return inspections


def order_deliveries(order_id: int, vendor_id: int) -> list[Delivery]:
    """A vendor's deliveries against one catalog order, oldest first."""
    return db.session.scalars(select(Delivery).filter_by(order_id=order_id, vendor_id=vendor_id)
                              .order_by(Delivery.id)).all()


def delivered_by_contract_line(contract_id: int) -> dict[int, int]:
    """Units delivered so far per line of a tender contract (inspected or not)."""
    rows = db.session.execute(select(DeliveryLine.contract_line, func.sum(DeliveryLine.quantity))
                              .where(DeliveryLine.contract_id == contract_id).group_by(DeliveryLine.contract_line))
    return {line: int(total) for line, total in rows}


def inspected_order_line_ids() -> Select:
    """Order lines with at least one inspection, as a subquery to filter on in SQL."""
    return select(DeliveryLine.order_line_id).join(Inspection)


def accepted_by_order_line(order_line_ids, until: date) -> dict[int, int]:
    """Accepted units per catalog order line, of deliveries up to `until`."""
    stmt = (select(DeliveryLine.order_line_id, func.sum(Inspection.accepted_quantity))
            .join(Inspection, Inspection.delivery_line_id == DeliveryLine.id)
            .join(Delivery, DeliveryLine.delivery_id == Delivery.id)
            .where(DeliveryLine.order_line_id.in_(order_line_ids), Delivery.delivered_on <= until)
            .group_by(DeliveryLine.order_line_id))
    return {line: int(total) for line, total in db.session.execute(stmt)}


def accepted_by_contract_line(contract_ids, until: date) -> dict[tuple[int, int], int]:
    """Accepted units per (contract, line) of tender contracts, of deliveries up to `until`."""
    stmt = (select(DeliveryLine.contract_id, DeliveryLine.contract_line, func.sum(Inspection.accepted_quantity))
            .join(Inspection, Inspection.delivery_line_id == DeliveryLine.id)
            .join(Delivery, DeliveryLine.delivery_id == Delivery.id)
            .where(DeliveryLine.contract_id.in_(contract_ids), Delivery.delivered_on <= until)
            .group_by(DeliveryLine.contract_id, DeliveryLine.contract_line))
    return {(contract, line): int(total) for contract, line, total in db.session.execute(stmt)}


def accepted_by_delivery_day(contract_id: int, contract_line: int) -> dict[date, int]:
    """Accepted units of one contract line per delivery day (a lease runs from its delivery month)."""
    rows = db.session.execute(
        select(Delivery.delivered_on, func.sum(Inspection.accepted_quantity))
        .join(DeliveryLine, DeliveryLine.delivery_id == Delivery.id)
        .join(Inspection, Inspection.delivery_line_id == DeliveryLine.id)
        .where(DeliveryLine.contract_id == contract_id, DeliveryLine.contract_line == contract_line)
        .group_by(Delivery.delivered_on))
    return {day: int(total) for day, total in rows}

"""Delivery and inspection records of a ward (納品・検収記録): query, xlsx and PDF."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from deliveries.models import Delivery, DeliveryLine, Inspection
from procure.exports import append_row, titled_sheet, workbook_bytes
from procure.extensions import db
from procure.jpcalendar import TOKYO, month_bounds


@dataclass(frozen=True)
class RecordRow:
    delivered_on: date
    facility: str
    vendor: str
    note_number: str
    order_id: int | None
    item: str
    quantity: int
    unit: str
    accepted: int | None
    rejected: int | None
    reason: str | None
    inspector: str | None
    inspected_at: datetime | None


HEADERS = ("納品日", "施設", "事業者", "納品書番号", "注文番号", "品名", "納品数", "単位",
           "合格数", "不合格数", "不合格理由", "検収者", "検収日時")


def ward_records(ward_id: int, year: int, month: int, facility_id: int | None = None) -> list[RecordRow]:
    start, end = month_bounds(year, month)
    stmt = (select(DeliveryLine, Delivery, Inspection)
            .join(Delivery, DeliveryLine.delivery_id == Delivery.id)
            .outerjoin(Inspection, Inspection.delivery_line_id == DeliveryLine.id)
            .where(Delivery.ward_id == ward_id, Delivery.delivered_on >= start, Delivery.delivered_on < end)
            .options(selectinload(Delivery.facility), selectinload(Delivery.vendor),
                     selectinload(DeliveryLine.order_line), selectinload(Inspection.inspector))
            .order_by(Delivery.delivered_on, Delivery.id, DeliveryLine.id))
    if facility_id:
        stmt = stmt.where(Delivery.facility_id == facility_id)
    return [RecordRow(d.delivered_on, d.facility.name, d.vendor.name, d.note_number, d.order_id,
                      line.description, line.quantity, line.order_line.unit if line.order_line else "",
                      i.accepted_quantity if i else None, i.rejected_quantity if i else None,
                      i.rejection_reason if i else None, i.inspector.name if i else None,
                      i.inspected_at if i else None)
            for line, d, i in db.session.execute(stmt)]


def _local(moment: datetime | None) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") if moment else ""


def records_xlsx(rows: list[RecordRow], title: str) -> bytes:
    book, sheet = titled_sheet("納品・検収記録", title, HEADERS)
    for r in rows:
        append_row(sheet, [r.delivered_on, r.facility, r.vendor, r.note_number, r.order_id, r.item,
                           r.quantity, r.unit, r.accepted, r.rejected, r.reason or "",
                           r.inspector or "未検収", _local(r.inspected_at)])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJKLM", (12, 26, 22, 16, 9, 30, 8, 6, 8, 8, 24, 14, 17)):
        sheet.column_dimensions[letter].width = width
    return workbook_bytes(book)

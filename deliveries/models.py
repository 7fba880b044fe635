"""Deliveries (納品) by vendors and inspections (検収) by ward inspectors.

Catalog orders and tender contracts (PC deliveries) record their deliveries here alike, so that
ward inspectors inspect and invoicing bills every delivery the same way. The order and contract
a line belongs to are referred to by table name only (no import of catalog or tenders); the
tables and columns are those of the original catalog migration.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.audit import Audited
from procure.dbtypes import UTCDateTime, utcnow
from procure.extensions import db
from procure.models import Facility, User, Vendor, Ward


class Delivery(Audited, db.Model):
    """One shipment with its delivery note (納品書)."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("vendor_id", "note_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    note_number: Mapped[str] = mapped_column(String(40))  # 納品書番号
    delivered_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()
    ward: Mapped[Ward] = relationship()
    facility: Mapped[Facility] = relationship()
    lines: Mapped[list[DeliveryLine]] = relationship(back_populates="delivery",
                                                     order_by="DeliveryLine.id",
                                                     cascade="all, delete-orphan")


class DeliveryLine(Audited, db.Model):
    __tablename__ = "delivery_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive_quantity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"), index=True)
    # Or a line of a tender contract (PC deliveries by site and date), inspected and billed alike.
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("tender_contract.id"), index=True)
    contract_line: Mapped[int | None]
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]

    delivery: Mapped[Delivery] = relationship(back_populates="lines")
    # By name: the delivery note shows the catalog order line's SKU and unit.
    order_line: Mapped["OrderLine | None"] = relationship("OrderLine")
    inspection: Mapped[Inspection | None] = relationship(back_populates="delivery_line",
                                                        uselist=False)


class Inspection(Audited, db.Model):
    """検収 of one delivery line: accepted and rejected quantities, who and when."""

    __tablename__ = "inspection"
    __table_args__ = (
        CheckConstraint("accepted_quantity >= 0 AND rejected_quantity >= 0", name="non_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_line_id: Mapped[int] = mapped_column(ForeignKey("delivery_line.id"), unique=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    accepted_quantity: Mapped[int]
    rejected_quantity: Mapped[int]
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delivery_line: Mapped[DeliveryLine] = relationship(back_populates="inspection")
    inspector: Mapped[User] = relationship()

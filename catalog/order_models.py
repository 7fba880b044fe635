"""Orders placed by ward staff, their approval, department budgets and approval rules."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.approval import PENDING
from procure.audit import Audited
from procure.dbtypes import Money, UTCDateTime, utcnow
from procure.extensions import db
from procure.models import Department, Facility, User, Vendor, Ward

# Line fulfilment, after approval (catalog.states).
from catalog.states import LINE_CONFIRMED, LINE_DELIVERED, LINE_OPEN  # noqa: F401


class Budget(Audited, db.Model):
    """A department's budget line for one fiscal year (April-March). Never overspent:
    orders reserve against it with a guarded UPDATE (see catalog.ordering)."""

    __tablename__ = "budget"
    __table_args__ = (
        UniqueConstraint("department_id", "fiscal_year", "code"),
        CheckConstraint("committed <= amount", name="not_overspent"),
        CheckConstraint("committed >= 0", name="not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    fiscal_year: Mapped[int]
    code: Mapped[str] = mapped_column(String(30))  # 予算科目 e.g. 需用費/消耗品費
    name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    committed: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))

    department: Mapped[Department] = relationship()

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed


class ApprovalRule(Audited, db.Model):
    """Per ward: orders above the threshold, or with restricted categories, need an approver."""

    __tablename__ = "approval_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), unique=True)
    threshold_amount: Mapped[Decimal] = mapped_column(Money)
    restricted_categories: Mapped[list] = mapped_column(JSON, default=list)

    ward: Mapped[Ward] = relationship()


class Order(Audited, db.Model):
    __tablename__ = "purchase_order"
    __table_args__ = (UniqueConstraint("placed_by_id", "idempotency_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A double-submitted form carries the same key: the order is placed once.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    requested_delivery_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    total: Mapped[Decimal] = mapped_column(Money)  # tax-exclusive sum of the lines not rejected
    # Held against the budget: tax included, rounded up per rate (catalog.ordering.budget_amount).
    reserved: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(String(500))

    ward: Mapped[Ward] = relationship()
    department: Mapped[Department] = relationship()
    facility: Mapped[Facility] = relationship()
    budget: Mapped[Budget] = relationship()
    placed_by: Mapped[User] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id",
                                                  cascade="all, delete-orphan")


class OrderLine(Audited, db.Model):
    __tablename__ = "order_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)  # for scoping
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id"))
    # The price is kept as placed: later catalog versions never change it.
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(60))
    tax_rate: Mapped[Decimal] = mapped_column(Money)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    pooled_pricing: Mapped[bool] = mapped_column(default=False)  # provisional until month close
    quantity: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)
    approval: Mapped[str] = mapped_column(String(20), default=PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    fulfilment: Mapped[str] = mapped_column(String(20), default=LINE_OPEN)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_quantity: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    vendor: Mapped[Vendor] = relationship()


class CartItem(db.Model):
    """A user's cart, by vendor and SKU, so it survives a new catalog version."""

    __tablename__ = "cart_item"
    __table_args__ = (UniqueConstraint("user_id", "vendor_id", "sku"),
                      CheckConstraint("quantity > 0", name="positive_quantity"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"))
    sku: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int]


class ParLevel(Audited, db.Model):
    """Utility-space replenishment (共用文具置き場): the quantity a space keeps of an item."""

    __tablename__ = "par_level"
    __table_args__ = (UniqueConstraint("space_id", "vendor_id", "sku"),
                      CheckConstraint("par_quantity > 0", name="positive_par"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"))
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    par_quantity: Mapped[int]


class MonthClose(Audited, db.Model):
    """Pooled catalog prices of a month were re-priced (once) at month close."""

    __tablename__ = "month_close"
    __table_args__ = (UniqueConstraint("year", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    adjustments: Mapped[list[PooledAdjustment]] = relationship(back_populates="month_close",
                                                              order_by="PooledAdjustment.id")


class PooledAdjustment(Audited, db.Model):
    """Per ward and item: the month's provisional amount re-priced at the pooled tier."""

    __tablename__ = "pooled_adjustment"
    __table_args__ = (UniqueConstraint("month_close_id", "ward_id", "vendor_id", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    month_close_id: Mapped[int] = mapped_column(ForeignKey("month_close.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    tax_rate: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[int]
    pooled_quantity: Mapped[int]  # all wards together
    pricing_mode: Mapped[str] = mapped_column(String(12), default="pooled", server_default="pooled")
    tier_quantity: Mapped[int | None]  # the quantity that set the tier (the group's, the ward's or all)
    provisional_amount: Mapped[Decimal] = mapped_column(Money)
    final_unit_price: Mapped[Decimal] = mapped_column(Money)
    final_amount: Mapped[Decimal] = mapped_column(Money)
    adjustment: Mapped[Decimal] = mapped_column(Money)  # final - provisional (negative = refund)

    month_close: Mapped[MonthClose] = relationship(back_populates="adjustments")
    ward: Mapped[Ward] = relationship()
    vendor: Mapped[Vendor] = relationship()

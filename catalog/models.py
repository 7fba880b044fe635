"""Catalog versions and items uploaded by vendors."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.audit import Audited
from procure.dbtypes import Money, UTCDateTime, utcnow
from procure.extensions import db
from procure.models import User, Vendor

# uploaded -> (import job) -> invalid | pending_review -> approved | rejected (catalog.states)
from catalog.states import APPROVED, INVALID, PENDING_REVIEW, REJECTED, UPLOADED  # noqa: F401


class CatalogVersion(Audited, db.Model):
    __tablename__ = "catalog_version"
    __table_args__ = (UniqueConstraint("vendor_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    number: Mapped[int]  # 1, 2, ... per vendor
    status: Mapped[str] = mapped_column(String(20), default=UPLOADED)
    file_name: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    job = relationship("Job", lazy="select")  # the import job (procure.jobs)
    item_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list | None] = mapped_column(JSON)  # the first errors, for display
    effective_from: Mapped[date | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(String(500))
    diff: Mapped[dict | None] = mapped_column(JSON)  # against the vendor's previous approved version

    vendor: Mapped[Vendor] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class CatalogItem(db.Model):
    """One row of a catalog version. Not audited row by row: the version is."""

    __tablename__ = "catalog_item"
    __table_args__ = (
        UniqueConstraint("version_id", "sku"),
        Index("ix_catalog_item_version_category", "version_id", "category"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    jan: Mapped[str | None] = mapped_column(String(13), index=True)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(400), default="")
    category: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(Money)  # 0.10 or 0.08
    list_price: Mapped[Decimal] = mapped_column(Money)
    contract_price: Mapped[Decimal] = mapped_column(Money)
    tiers: Mapped[list | None] = mapped_column(JSON)  # [["1000", "110"], ...] pooled-volume tiers
    green: Mapped[bool] = mapped_column(default=False)
    min_order_qty: Mapped[int] = mapped_column(default=1)
    lead_time_days: Mapped[int] = mapped_column(default=1)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    search_text: Mapped[str] = mapped_column(String(800))  # normalised name+spec+sku+jan+category
    fingerprint: Mapped[str] = mapped_column(String(16))  # of the reviewed fields (catalog.diff)

    version: Mapped[CatalogVersion] = relationship()
    vendor: Mapped[Vendor] = relationship()


class PooledItemPolicy(Audited, db.Model):
    """How a pooled catalog item (a vendor's SKU with volume tiers) is re-priced at month close:
    pooled, individual or grouped (procure.pricing.policy); none recorded means pooled."""

    __tablename__ = "pooled_item_policy"
    __table_args__ = (UniqueConstraint("vendor_id", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"))
    sku: Mapped[str] = mapped_column(String(40))
    policy: Mapped[dict] = mapped_column(JSON)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FrameworkAgreement(Audited, db.Model):
    """単価契約: the office's agreement with a catalog vendor, made in advance (seed 003 §4.3.3:
    事前に事業者を選定し、調達品目や購入額を取り決めておく), with how it was awarded and for when."""

    __tablename__ = "catalog_agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    procurement_method: Mapped[str] = mapped_column(String(10))    # open | selective | limited
    procurement_ground: Mapped[str | None] = mapped_column(String(20))
    estimated_amount: Mapped[Decimal | None] = mapped_column(Money)  # 予定価格 (a year's expected purchases)
    concluded_on: Mapped[date]
    starts: Mapped[date]
    ends: Mapped[date]
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()

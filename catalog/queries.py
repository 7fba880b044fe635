"""Read-side queries of the catalog: what is published today, and search."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from catalog.models import APPROVED, CatalogItem, CatalogVersion
from catalog.textsearch import search_key
from procure.extensions import db
from procure.models import Vendor


def published_version_ids(on: date):
    """Per vendor, the approved version in effect on `on` (latest effective date, then number)."""
    ranked = (
        select(CatalogVersion.id, func.row_number().over(
            partition_by=CatalogVersion.vendor_id,
            order_by=(CatalogVersion.effective_from.desc(), CatalogVersion.number.desc()),
        ).label("rank"))
        .where(CatalogVersion.status == APPROVED, CatalogVersion.effective_from <= on)
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rank == 1)


def published_items(on: date):
    return select(CatalogItem).where(
        CatalogItem.version_id.in_(published_version_ids(on)),
        CatalogItem.valid_from <= on,
        or_(CatalogItem.valid_to.is_(None), CatalogItem.valid_to >= on),
    )


def search(on: date, text: str = "", category: str | None = None, vendor_id: int | None = None,
           green_only: bool = False):
    """Published items matching a Japanese substring (NFKC, kana-folded) or a JAN code."""
    stmt = published_items(on)
    key = search_key(text or "")
    if key:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(CatalogItem.search_text.like(f"%{escaped}%", escape="\\"),
                              CatalogItem.jan == key))
    if category:
        stmt = stmt.where(CatalogItem.category == category)
    if vendor_id:
        stmt = stmt.where(CatalogItem.vendor_id == vendor_id)
    if green_only:
        stmt = stmt.where(CatalogItem.green.is_(True))
    return stmt.order_by(CatalogItem.category, CatalogItem.name, CatalogItem.id)


def search_text_for(sku: str, jan: str | None, name: str, spec: str, category: str) -> str:
    # Fields are normalised one by one and kept apart, so a match never spans two fields.
    return "|".join(search_key(part) for part in (name, spec, category, sku, jan) if part)[:800]




def categories(on: date) -> list[str]:
    return list(db.session.scalars(
        select(CatalogItem.category).where(CatalogItem.version_id.in_(published_version_ids(on)))
        .distinct().order_by(CatalogItem.category)))


def published_vendors(on: date):
    return db.session.scalars(select(Vendor).join(CatalogVersion, CatalogVersion.vendor_id == Vendor.id)
                              .where(CatalogVersion.id.in_(published_version_ids(on)))
                              .order_by(Vendor.name)).all()

"""The office's pricing policy per pooled catalog item (a published item with volume tiers),
applied at month close (catalog.month_close). Flush only."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from catalog.models import CatalogItem, PooledItemPolicy
from catalog.queries import published_items
from procure.extensions import db
from procure.models import User
from procure.pricing.policy import PricingPolicy


class PooledPolicyError(ValueError):
    pass


def pooled_items(today: date) -> list[tuple[CatalogItem, PricingPolicy]]:
    """Published items with volume tiers, with the policy month close will use."""
    items = db.session.scalars(published_items(today).where(CatalogItem.tiers.is_not(None))
                               .order_by(CatalogItem.vendor_id, CatalogItem.sku)).all()
    chosen = {(p.vendor_id, p.sku): PricingPolicy.from_dict(p.policy)
              for p in db.session.scalars(select(PooledItemPolicy))}
    return [(item, chosen.get((item.vendor_id, item.sku), PricingPolicy())) for item in items if item.tiers]


def set_item_policy(office: User, vendor_id: int, sku: str, policy: PricingPolicy, today: date) -> PooledItemPolicy:
    """From the next month close on (a closed month keeps the prices it was billed at)."""
    if not any(item.vendor_id == vendor_id and item.sku == sku for item, _ in pooled_items(today)):
        raise PooledPolicyError("数量段階単価のある掲載中の商品を選んでください")
    row = db.session.scalar(select(PooledItemPolicy).filter_by(vendor_id=vendor_id, sku=sku))
    if row is None:
        row = PooledItemPolicy(vendor_id=vendor_id, sku=sku, policy=policy.as_dict(), set_by_id=office.id)
        db.session.add(row)
    else:
        row.policy, row.set_by_id = policy.as_dict(), office.id
    db.session.flush()
    return row

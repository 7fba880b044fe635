"""A user's cart: kept by vendor and SKU, priced from the catalog published today."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, tuple_

from catalog.models import CatalogItem
from catalog.order_models import CartItem
from catalog.queries import published_items
from procure import uow
from procure.extensions import db
from procure.models import User
from procure.errors import FieldError

MAX_QUANTITY = 100_000


class CartError(FieldError):
    pass


def _check_quantity(quantity: int) -> None:
    if not 0 < quantity <= MAX_QUANTITY:
        raise CartError(f"数量は 1〜{MAX_QUANTITY:,} にしてください", "quantity")


@uow.use_case
def add(user: User, item_id: int, quantity: int, on: date) -> CatalogItem:
    _check_quantity(quantity)
    item = db.session.scalar(published_items(on).where(CatalogItem.id == item_id))
    if item is None:
        raise CartError("この商品は現在のカタログにありません", "item")
    row = db.session.scalar(select(CartItem).filter_by(user_id=user.id, vendor_id=item.vendor_id,
                                                       sku=item.sku))
    if row is None:
        db.session.add(CartItem(user_id=user.id, vendor_id=item.vendor_id, sku=item.sku,
                                quantity=quantity))
    else:
        _check_quantity(row.quantity + quantity)
        row.quantity += quantity
    db.session.flush()
    return item


@uow.use_case
def update(user: User, quantities: dict[int, int]) -> None:
    """Set quantities by cart row id; 0 removes the row."""
    rows = {r.id: r for r in db.session.scalars(select(CartItem).filter_by(user_id=user.id))}
    for row_id, quantity in quantities.items():
        row = rows.get(row_id)
        if row is None:
            continue
        if quantity == 0:
            db.session.delete(row)
        else:
            _check_quantity(quantity)
            row.quantity = quantity
    db.session.flush()


@uow.use_case
def add_many(user: User, wanted: dict[tuple[int, str], int]) -> None:
    """Put (vendor_id, sku) -> quantity into the cart (replenishment proposals)."""
    for (vendor_id, sku), quantity in wanted.items():
        _check_quantity(quantity)
        row = db.session.scalar(select(CartItem).filter_by(user_id=user.id, vendor_id=vendor_id, sku=sku))
        if row is None:
            db.session.add(CartItem(user_id=user.id, vendor_id=vendor_id, sku=sku, quantity=quantity))
        else:
            row.quantity = max(row.quantity, quantity)
    db.session.flush()


def contents(user: User, on: date) -> list[tuple[CartItem, CatalogItem | None]]:
    """Cart rows with the item published today (None when it left the catalog)."""
    rows = db.session.scalars(select(CartItem).filter_by(user_id=user.id).order_by(CartItem.id)).all()
    if not rows:
        return []
    keys = [(r.vendor_id, r.sku) for r in rows]
    items = {(i.vendor_id, i.sku): i for i in db.session.scalars(
        published_items(on).where(tuple_(CatalogItem.vendor_id, CatalogItem.sku).in_(keys)))}
    return [(r, items.get((r.vendor_id, r.sku))) for r in rows]


@uow.use_case
def clear(user: User) -> None:
    """Part of the caller's transaction (placing the order commits)."""
    db.session.execute(delete(CartItem).where(CartItem.user_id == user.id))

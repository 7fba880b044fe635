"""Catalog API for ward systems (search, place orders) and vendor systems (orders, confirm,
delivery notes, catalog upload). Schemas: catalog.api_schemas."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from catalog import versions
from catalog.api_schemas import (CatalogFile, CatalogVersionOut, DeliveryIn, DeliveryOut, IdempotencyHeader,
                                 ItemList, ItemSearch, OrderIn, OrderList, OrderOut, OrderQuery)
from catalog.approval import APPROVED
from catalog.fulfilment import FulfilmentError, confirm_order, ship, vendor_lines
from catalog.models import CatalogVersion
from catalog.order_models import Order, OrderLine
from catalog.ordering import CartLine, OrderError, place_order
from catalog.queries import search
from procure.api import bp, errors
from procure.api.errors import ApiError
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import WARD_ROLES, Role
from procure.permissions import allow, get_owned_or_404, request_user, scoped

ORDERING = (Role.WARD_STAFF, Role.WARD_APPROVER)


class VendorsView:
    """An order as a vendor sees it: only its own approved lines."""

    def __init__(self, order: Order, vendor_id: int):
        self._order, self.lines = order, vendor_lines(order, vendor_id)

    def __getattr__(self, name):
        return getattr(self._order, name)


@bp.get("/catalog/items")
@bp.arguments(ItemSearch, location="query")
@bp.response(200, ItemList)
@bp.doc(summary="Search the published catalog (Japanese substring, NFKC, kana-folded; JAN code)")
@allow(*WARD_ROLES, Role.OFFICE)
def api_search_items(query):
    stmt = search(today_in_tokyo(), query["q"], query.get("category") or None, query.get("vendor_id"),
                  query["green"])
    return {"items": db.session.scalars(stmt.offset(query["offset"]).limit(query["limit"])).all()}


@bp.post("/orders")
@bp.arguments(IdempotencyHeader, location="headers")
@bp.arguments(OrderIn)
@bp.response(201, OrderOut, description="Placed")
@bp.alt_response(200, schema=OrderOut, description="Already placed with this key: the same order")
@bp.doc(summary="Place an order (ward staff or approver). Idempotent by Idempotency-Key")
@allow(*ORDERING)
def api_place_order(header, body):
    key = header["key"].strip()
    cart = [CartLine(line["item_id"], line["quantity"]) for line in body["lines"]]
    existing = db.session.scalar(select(Order.id).filter_by(placed_by_id=request_user().id, idempotency_key=key))
    try:
        order = place_order(request_user(), cart, body["facility_id"], body["department_id"], body["budget_id"],
                            key, body.get("requested_delivery_date"), body.get("note") or None)
    except OrderError as exc:
        raise ApiError(422, str(exc), exc.field) from None
    return order, 200 if existing else 201, {"Location": url_for("api.api_get_order", order_id=order.id)}


def _vendor_orders(user):
    return select(Order).where(exists().where(OrderLine.order_id == Order.id,
                                              OrderLine.vendor_id == user.vendor_id,
                                              OrderLine.approval == APPROVED))


@bp.get("/orders")
@bp.arguments(OrderQuery, location="query")
@bp.response(200, OrderList)
@bp.doc(summary="Ward: the ward's orders. Vendor: orders with its approved lines")
@allow(*WARD_ROLES, Role.VENDOR)
def api_list_orders(query):
    user = request_user()
    options = (selectinload(Order.lines), selectinload(Order.ward), selectinload(Order.facility))
    if user.role == Role.VENDOR:
        stmt = _vendor_orders(user)
        if query.get("fulfilment"):
            stmt = stmt.where(exists().where(OrderLine.order_id == Order.id,
                                             OrderLine.vendor_id == user.vendor_id,
                                             OrderLine.approval == APPROVED,
                                             OrderLine.fulfilment == query["fulfilment"]))
        orders = db.session.scalars(stmt.options(*options).order_by(Order.id.desc()).limit(query["limit"])).all()
        return {"orders": [VendorsView(o, user.vendor_id) for o in orders]}
    stmt = scoped(select(Order), Order, user)
    if query.get("status"):
        stmt = stmt.where(Order.status == query["status"])
    return {"orders": db.session.scalars(stmt.options(*options).order_by(Order.id.desc())
                                         .limit(query["limit"])).all()}


def _vendor_order_or_404(user, order_id):
    order = db.session.scalar(_vendor_orders(user).where(Order.id == order_id))
    if order is None:
        raise ApiError(404, "Order not found")
    return order


@bp.get("/orders/<int:order_id>")
@bp.response(200, OrderOut)
@bp.doc(summary="One order (a vendor sees only its own lines)")
@allow(*WARD_ROLES, Role.VENDOR)
def api_get_order(order_id):
    user = request_user()
    if user.role == Role.VENDOR:
        return VendorsView(_vendor_order_or_404(user, order_id), user.vendor_id)
    return get_owned_or_404(Order, order_id)


@bp.post("/orders/<int:order_id>/confirm")
@bp.response(200, OrderOut)
@bp.doc(summary="Vendor confirms its lines of an order (受注確認); idempotent")
@errors(409)
@allow(Role.VENDOR)
def api_confirm_order(order_id):
    user = request_user()
    order = confirm_order(user, _vendor_order_or_404(user, order_id).id)
    return VendorsView(order, user.vendor_id)


@bp.post("/orders/<int:order_id>/deliveries")
@bp.arguments(DeliveryIn)
@bp.response(201, DeliveryOut)
@bp.doc(summary="Vendor records a delivery with its delivery note (納品書)")
@errors(409)
@allow(Role.VENDOR)
def api_ship(body, order_id):
    user = request_user()
    order = _vendor_order_or_404(user, order_id)
    quantities = {}
    for index, line in enumerate(body["lines"]):
        if line["order_line_id"] in quantities:
            raise ApiError(422, f"lines[{index}].order_line_id: listed twice", f"lines[{index}].order_line_id")
        quantities[line["order_line_id"]] = line["quantity"]
    try:
        return ship(user, order.id, body["note_number"], body["delivered_on"], quantities)
    except FulfilmentError as exc:
        raise ApiError(422, str(exc), exc.field) from None


@bp.post("/catalog/uploads")
@bp.arguments(CatalogFile, location="files")
@bp.response(202, CatalogVersionOut, description="Accepted: poll the Location")
@errors(413)
@allow(Role.VENDOR)
def api_upload_catalog(files):
    """Vendor uploads a catalog (.xlsx, the template's columns); imported in the background."""
    upload = files["file"]
    if not upload.filename:
        raise ApiError(422, "file: the part needs a file name ending in .xlsx", "file")
    try:
        version = versions.start_upload(request_user(), upload.stream, upload.filename)
    except versions.ReviewError as exc:
        raise ApiError(422, str(exc), exc.field) from None
    return version, {"Location": url_for("api.api_get_upload", version_id=version.id)}


@bp.get("/catalog/uploads/<int:version_id>")
@bp.response(200, CatalogVersionOut)
@bp.doc(summary="Status of an uploaded catalog version: errors per row and column, or the diff")
@allow(Role.VENDOR)
def api_get_upload(version_id):
    return get_owned_or_404(CatalogVersion, version_id)

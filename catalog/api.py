"""Catalog API for ward systems (search, place orders) and vendor systems (orders, confirm,
delivery notes, catalog upload). Registered on the /api/v1 blueprint."""
from __future__ import annotations

from flask import jsonify, request, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from catalog import versions
from catalog.approval import APPROVED
from catalog.fulfilment import FulfilmentError, confirm_order, ship, vendor_lines
from catalog.models import CatalogItem, CatalogVersion
from catalog.order_models import Order, OrderLine
from catalog.ordering import CartLine, OrderError, place_order
from catalog.queries import search
from procure.api import bp
from procure.api.core import json_body
from procure.api.errors import ApiError, body_int, query_int
from procure.api.openapi import document, error_responses
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.jobs import Job
from procure.models import WARD_ROLES, Role
from procure.permissions import allow, get_owned_or_404, request_user, scoped
from procure.textnorm import parse_date

ORDERING = (Role.WARD_STAFF, Role.WARD_APPROVER)
MAX_LIMIT = 200


def item_json(item: CatalogItem) -> dict:
    return {"id": item.id, "vendor_id": item.vendor_id, "sku": item.sku, "jan": item.jan,
            "name": item.name, "spec": item.spec, "category": item.category, "unit": item.unit,
            "tax_rate": str(item.tax_rate), "list_price": str(item.list_price),
            "contract_price": str(item.contract_price), "tiers": item.tiers, "green": item.green,
            "min_order_qty": item.min_order_qty, "lead_time_days": item.lead_time_days}


def line_json(line: OrderLine) -> dict:
    return {"id": line.id, "vendor_id": line.vendor_id, "sku": line.sku, "name": line.name,
            "unit": line.unit, "tax_rate": str(line.tax_rate), "unit_price": str(line.unit_price),
            "quantity": line.quantity, "amount": str(line.amount), "approval": line.approval,
            "rejection_reason": line.rejection_reason, "fulfilment": line.fulfilment,
            "delivered_quantity": line.delivered_quantity, "pooled_pricing": line.pooled_pricing}


def order_json(order: Order, lines=None) -> dict:
    return {"id": order.id, "ward_code": order.ward.code, "facility_id": order.facility_id,
            "facility": order.facility.name, "department_id": order.department_id,
            "placed_at": order.placed_at.isoformat(), "status": order.status,
            "requested_delivery_date": order.requested_delivery_date.isoformat(),
            "total": str(order.total), "reserved": str(order.reserved),
            "lines": [line_json(line) for line in (order.lines if lines is None else lines)]}


@bp.get("/catalog/items")
@allow(*WARD_ROLES, Role.OFFICE)
def api_search_items():
    args = request.args
    limit = min(query_int("limit", 50, low=1), MAX_LIMIT)
    stmt = search(today_in_tokyo(), args.get("q", ""), args.get("category") or None,
                  query_int("vendor_id", low=1), args.get("green") in ("1", "true"))
    items = db.session.scalars(stmt.offset(query_int("offset", 0)).limit(limit)).all()
    return jsonify(items=[item_json(i) for i in items])


def _int_field(data: dict, name: str) -> int:
    return body_int(data, name)


@bp.post("/orders")
@allow(*ORDERING)
def api_place_order():
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 64:
        raise ApiError(400, "Idempotency-Key header required (1-64 characters): a retried request "
                            "with the same key returns the same order", "Idempotency-Key")
    data = json_body()
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ApiError(422, "lines: required, a non-empty array of {item_id, quantity}", "lines")
    cart = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise ApiError(422, f"lines[{index}]: must be an object", f"lines[{index}]")
        cart.append(CartLine(_int_field(line, "item_id"), _int_field(line, "quantity")))
    date_text = data.get("requested_delivery_date")
    try:
        delivery = parse_date(date_text, "requested_delivery_date") if date_text else None
        existing = db.session.scalar(select(Order.id).filter_by(placed_by_id=request_user().id,
                                                                idempotency_key=key))
        order = place_order(request_user(), cart, _int_field(data, "facility_id"),
                            _int_field(data, "department_id"), _int_field(data, "budget_id"), key,
                            delivery, (data.get("note") or None))
    except OrderError as exc:
        raise ApiError(422, str(exc), exc.field) from None
    except ValueError as exc:
        raise ApiError(422, str(exc), "requested_delivery_date") from None
    response = jsonify(order_json(order))
    response.status_code = 200 if existing else 201
    response.headers["Location"] = url_for("api.api_get_order", order_id=order.id)
    return response


def _vendor_orders(user):
    return select(Order).where(exists().where(OrderLine.order_id == Order.id,
                                              OrderLine.vendor_id == user.vendor_id,
                                              OrderLine.approval == APPROVED))


@bp.get("/orders")
@allow(*WARD_ROLES, Role.VENDOR)
def api_list_orders():
    """Ward: its orders. Vendor: orders with approved lines it supplies (?fulfilment=open for new)."""
    user = request_user()
    limit = min(query_int("limit", 100, low=1), MAX_LIMIT)
    options = (selectinload(Order.lines), selectinload(Order.ward), selectinload(Order.facility))
    if user.role == Role.VENDOR:
        stmt = _vendor_orders(user)
        wanted = request.args.get("fulfilment")
        if wanted:
            stmt = stmt.where(exists().where(OrderLine.order_id == Order.id,
                                             OrderLine.vendor_id == user.vendor_id,
                                             OrderLine.approval == APPROVED,
                                             OrderLine.fulfilment == wanted))
        orders = db.session.scalars(stmt.options(*options).order_by(Order.id.desc()).limit(limit)).all()
        return jsonify(orders=[order_json(o, vendor_lines(o, user.vendor_id)) for o in orders])
    stmt = scoped(select(Order), Order, user)
    if request.args.get("status"):
        stmt = stmt.where(Order.status == request.args["status"])
    orders = db.session.scalars(stmt.options(*options).order_by(Order.id.desc()).limit(limit)).all()
    return jsonify(orders=[order_json(o) for o in orders])


def _vendor_order_or_404(user, order_id):
    order = db.session.scalar(_vendor_orders(user).where(Order.id == order_id))
    if order is None:
        raise ApiError(404, "Order not found")
    return order


@bp.get("/orders/<int:order_id>")
@allow(*WARD_ROLES, Role.VENDOR)
def api_get_order(order_id):
    user = request_user()
    if user.role == Role.VENDOR:
        order = _vendor_order_or_404(user, order_id)
        return jsonify(order_json(order, vendor_lines(order, user.vendor_id)))
    return jsonify(order_json(get_owned_or_404(Order, order_id)))


@bp.post("/orders/<int:order_id>/confirm")
@allow(Role.VENDOR)
def api_confirm_order(order_id):
    user = request_user()
    order = confirm_order(user, _vendor_order_or_404(user, order_id).id)
    return jsonify(order_json(order, vendor_lines(order, user.vendor_id)))


@bp.post("/orders/<int:order_id>/deliveries")
@allow(Role.VENDOR)
def api_ship(order_id):
    user = request_user()
    order = _vendor_order_or_404(user, order_id)
    data = json_body()
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ApiError(422, "lines: required, a non-empty array of {order_line_id, quantity}", "lines")
    quantities = {}
    for line in lines:
        if not isinstance(line, dict):
            raise ApiError(422, "lines: items must be objects", "lines")
        quantities[_int_field(line, "order_line_id")] = _int_field(line, "quantity")
    try:
        delivered_on = parse_date(data.get("delivered_on"), "delivered_on")
    except ValueError as exc:
        raise ApiError(422, str(exc), "delivered_on") from None
    try:
        delivery = ship(user, order.id, str(data.get("note_number") or ""), delivered_on, quantities)
    except FulfilmentError as exc:
        raise ApiError(422, str(exc), exc.field) from None
    return jsonify({"id": delivery.id, "note_number": delivery.note_number,
                    "delivered_on": delivery.delivered_on.isoformat(),
                    "lines": [{"order_line_id": l.order_line_id, "quantity": l.quantity}
                              for l in delivery.lines],
                    "delivery_note_pdf": url_for("api.api_delivery_note", delivery_id=delivery.id)}), 201


def version_json(version: CatalogVersion, job: Job | None = None) -> dict:
    data = {"id": version.id, "number": version.number, "status": version.status,
            "file_name": version.file_name, "item_count": version.item_count,
            "error_count": version.error_count, "errors": version.errors or [],
            "effective_from": version.effective_from.isoformat() if version.effective_from else None,
            "diff": version.diff}
    if job is not None:
        data["job"] = {"id": job.id, "status": job.status, "done": job.done, "total": job.total}
    return data


@bp.post("/catalog/uploads")
@allow(Role.VENDOR)
def api_upload_catalog():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(422, "file: required, a multipart/form-data .xlsx file field", "file")
    try:
        version = versions.start_upload(request_user(), upload.stream, upload.filename)
    except versions.ReviewError as exc:
        raise ApiError(422, str(exc), exc.field) from None
    response = jsonify(version_json(version, db.session.get(Job, version.job_id)))
    response.status_code = 202
    response.headers["Location"] = url_for("api.api_get_upload", version_id=version.id)
    return response


@bp.get("/catalog/uploads/<int:version_id>")
@allow(Role.VENDOR)
def api_get_upload(version_id):
    version = get_owned_or_404(CatalogVersion, version_id)
    return jsonify(version_json(version, db.session.get(Job, version.job_id) if version.job_id else None))


_ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "vendor_id": {"type": "integer"}, "sku": {"type": "string"},
    "jan": {"type": "string", "nullable": True}, "name": {"type": "string"}, "spec": {"type": "string"},
    "category": {"type": "string"}, "unit": {"type": "string"}, "tax_rate": {"type": "string"},
    "list_price": {"type": "string"}, "contract_price": {"type": "string"},
    "tiers": {"type": "array", "nullable": True, "items": {"type": "array", "items": {"type": "string"}}},
    "green": {"type": "boolean"}, "min_order_qty": {"type": "integer"},
    "lead_time_days": {"type": "integer"}}}
_ORDER_REF = {"$ref": "#/components/schemas/Order"}
_JSON = "application/json"


def _ok(description, schema, code="200"):
    return {code: {"description": description, "content": {_JSON: {"schema": schema}}}}


_ID_PARAM = lambda name: {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}

document(
    paths={
        "/catalog/items": {"get": {
            "summary": "Search the published catalog (Japanese substring, NFKC, kana-folded; JAN code)",
            "parameters": [{"name": n, "in": "query", "schema": {"type": t}} for n, t in (
                ("q", "string"), ("category", "string"), ("vendor_id", "integer"), ("green", "string"),
                ("offset", "integer"), ("limit", "integer"))],
            "responses": {**_ok("Items", {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/CatalogItem"}}}}),
                **error_responses(401, 403)}}},
        "/orders": {
            "post": {
                "summary": "Place an order (ward staff or approver). Idempotent by Idempotency-Key",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                "schema": {"type": "string", "maxLength": 64}}],
                "requestBody": {"required": True, "content": {_JSON: {"schema": {
                    "type": "object", "required": ["facility_id", "department_id", "budget_id", "lines"],
                    "properties": {"facility_id": {"type": "integer"}, "department_id": {"type": "integer"},
                                   "budget_id": {"type": "integer"},
                                   "requested_delivery_date": {"type": "string", "format": "date"},
                                   "note": {"type": "string"},
                                   "lines": {"type": "array", "minItems": 1, "items": {
                                       "type": "object", "required": ["item_id", "quantity"],
                                       "properties": {"item_id": {"type": "integer"},
                                                      "quantity": {"type": "integer", "minimum": 1}}}}}}}}},
                "responses": {**_ok("Placed", _ORDER_REF, "201"),
                              **_ok("Already placed with this key", _ORDER_REF),
                              **error_responses(400, 401, 403, 422)}},
            "get": {
                "summary": "Ward: the ward's orders. Vendor: orders with its approved lines",
                "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                               for n in ("status", "fulfilment")]
                              + [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {**_ok("Orders", {"type": "object", "properties": {
                    "orders": {"type": "array", "items": _ORDER_REF}}}), **error_responses(401, 403)}}},
        "/orders/{order_id}": {"get": {
            "summary": "One order (a vendor sees only its own lines)", "parameters": [_ID_PARAM("order_id")],
            "responses": {**_ok("Order", _ORDER_REF), **error_responses(401, 403, 404)}}},
        "/orders/{order_id}/confirm": {"post": {
            "summary": "Vendor confirms its lines of an order (受注確認); idempotent",
            "parameters": [_ID_PARAM("order_id")],
            "responses": {**_ok("Order", _ORDER_REF), **error_responses(401, 403, 404)}}},
        "/orders/{order_id}/deliveries": {"post": {
            "summary": "Vendor records a delivery with its delivery note (納品書)",
            "parameters": [_ID_PARAM("order_id")],
            "requestBody": {"required": True, "content": {_JSON: {"schema": {
                "type": "object", "required": ["note_number", "delivered_on", "lines"],
                "properties": {"note_number": {"type": "string"}, "delivered_on": {"type": "string", "format": "date"},
                               "lines": {"type": "array", "items": {"type": "object",
                                         "required": ["order_line_id", "quantity"],
                                         "properties": {"order_line_id": {"type": "integer"},
                                                        "quantity": {"type": "integer"}}}}}}}}},
            "responses": {**_ok("Delivery", {"type": "object"}, "201"), **error_responses(400, 401, 403, 404, 422)}}},
        "/catalog/uploads": {"post": {
            "summary": "Vendor uploads a catalog (.xlsx, the template's columns); imported in the background",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}}}},
            "responses": {**_ok("Accepted: poll the Location", {"$ref": "#/components/schemas/CatalogVersion"}, "202"),
                          **error_responses(401, 403, 413, 422)}}},
        "/catalog/uploads/{version_id}": {"get": {
            "summary": "Status of an uploaded catalog version: errors per row and column, or the diff",
            "parameters": [_ID_PARAM("version_id")],
            "responses": {**_ok("Version", {"$ref": "#/components/schemas/CatalogVersion"}),
                          **error_responses(401, 403, 404)}}},
    },
    schemas={
        "CatalogItem": _ITEM,
        "Order": {"type": "object", "properties": {
            "id": {"type": "integer"}, "ward_code": {"type": "string"}, "facility_id": {"type": "integer"},
            "facility": {"type": "string"}, "department_id": {"type": "integer"},
            "placed_at": {"type": "string", "format": "date-time"}, "status": {"type": "string"},
            "requested_delivery_date": {"type": "string", "format": "date"},
            "total": {"type": "string"}, "reserved": {"type": "string"},
            "lines": {"type": "array", "items": {"type": "object"}}}},
        "CatalogVersion": {"type": "object", "properties": {
            "id": {"type": "integer"}, "number": {"type": "integer"}, "status": {"type": "string"},
            "item_count": {"type": "integer"}, "error_count": {"type": "integer"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "row": {"type": "integer"}, "column": {"type": "string"}, "message": {"type": "string"}}}},
            "diff": {"type": "object", "nullable": True}, "job": {"type": "object"}}},
    },
)

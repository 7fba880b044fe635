"""The catalog API's request and response schemas (catalog.api): validated, dumped and
documented from these declarations."""
from __future__ import annotations

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import fields, post_dump, validate

from procure.api.schemas import MAX_ID, DecimalString, Id, Int64, Lenient, QueryInt, Strict, Text

MAX_LIMIT = 200
MAX_QUANTITY = 1_000_000  # per line; a ward never orders more of one item at once


class ItemSearch(Lenient):
    q = fields.String(load_default="", validate=validate.Length(max=200),
                      metadata={"description": "Japanese substring (NFKC, kana-folded) or JAN code"})
    category = fields.String(validate=validate.Length(max=100))
    vendor_id = QueryInt(1, MAX_ID)
    green = fields.Boolean(load_default=False, metadata={"description": "グリーン購入法適合品のみ"})
    offset = QueryInt(0, load_default=0)
    limit = QueryInt(1, MAX_LIMIT, load_default=50)


class CatalogItemOut(Strict):
    id = fields.Integer(required=True)
    vendor_id = fields.Integer(required=True)
    sku = fields.String(required=True)
    jan = fields.String(allow_none=True, required=True)
    name = fields.String(required=True)
    spec = fields.String(allow_none=True, required=True)
    category = fields.String(required=True)
    unit = fields.String(required=True)
    tax_rate = DecimalString(required=True)
    list_price = DecimalString(required=True)
    contract_price = DecimalString(required=True)
    tiers = fields.List(fields.List(fields.String()), allow_none=True, required=True,
                        metadata={"description": "pooled-volume tiers: [min quantity, unit price]"})
    green = fields.Boolean(required=True)
    min_order_qty = fields.Integer(required=True)
    lead_time_days = fields.Integer(required=True)


class ItemList(Strict):
    items = fields.List(fields.Nested(CatalogItemOut), required=True)


class CartLineIn(Strict):
    item_id = Id(required=True)
    quantity = Int64(1, MAX_QUANTITY, required=True)


class OrderIn(Strict):
    facility_id = Id(required=True)
    department_id = Id(required=True)
    budget_id = Id(required=True)
    requested_delivery_date = fields.Date(metadata={"description": "default: the earliest business day"})
    note = fields.String(validate=validate.Length(max=500))
    lines = fields.List(fields.Nested(CartLineIn), required=True, validate=validate.Length(min=1, max=200))


class IdempotencyHeader(Lenient):
    key = Text(64, required=True, data_key="Idempotency-Key",
               metadata={"description": "a retried request with the same key returns the same order"})


class OrderQuery(Lenient):
    status = fields.String(validate=validate.Length(max=30), metadata={"description": "ward callers"})
    fulfilment = fields.String(validate=validate.Length(max=30),
                               metadata={"description": "vendor callers: e.g. open for new orders"})
    limit = QueryInt(1, MAX_LIMIT, load_default=100)


class OrderLineOut(Strict):
    id = fields.Integer(required=True)
    vendor_id = fields.Integer(required=True)
    sku = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    tax_rate = DecimalString(required=True)
    unit_price = DecimalString(required=True)
    quantity = fields.Integer(required=True)
    amount = DecimalString(required=True)
    approval = fields.String(required=True)
    rejection_reason = fields.String(allow_none=True, required=True)
    fulfilment = fields.String(required=True)
    delivered_quantity = fields.Integer(required=True)
    pooled_pricing = fields.Boolean(required=True)


class OrderOut(Strict):
    id = fields.Integer(required=True)
    ward_code = fields.String(attribute="ward.code", required=True)
    facility_id = fields.Integer(required=True)
    facility = fields.String(attribute="facility.name", required=True)
    department_id = fields.Integer(required=True)
    placed_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    requested_delivery_date = fields.Date(required=True)
    total = DecimalString(required=True)
    reserved = DecimalString(required=True)
    lines = fields.List(fields.Nested(OrderLineOut), required=True,
                        metadata={"description": "a vendor sees only its own approved lines"})


class OrderList(Strict):
    orders = fields.List(fields.Nested(OrderOut), required=True)


class ShippedLineIn(Strict):
    order_line_id = Id(required=True)
    quantity = Int64(1, MAX_QUANTITY, required=True)


class DeliveryIn(Strict):
    note_number = Text(40, required=True, metadata={"description": "納品書番号, unique per vendor"})
    delivered_on = fields.Date(required=True)
    lines = fields.List(fields.Nested(ShippedLineIn), required=True, validate=validate.Length(min=1, max=200))


class ShippedLineOut(Strict):
    order_line_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True)


class DeliveryOut(Strict):
    id = fields.Integer(required=True)
    note_number = fields.String(required=True)
    delivered_on = fields.Date(required=True)
    lines = fields.List(fields.Nested(ShippedLineOut), required=True)
    delivery_note_pdf = fields.Function(lambda d: url_for("api.api_delivery_note", delivery_id=d.id),
                                        required=True)


class CatalogFile(Lenient):
    file = Upload(required=True, metadata={"description": "the catalog template's .xlsx"})


class VersionError(Strict):
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String(required=True)


class JobOut(Strict):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    done = fields.Integer(required=True)
    total = fields.Integer(allow_none=True, required=True)


class CatalogVersionOut(Strict):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    status = fields.String(required=True)
    file_name = fields.String(required=True)
    item_count = fields.Integer(allow_none=True, required=True)
    error_count = fields.Integer(allow_none=True, required=True)
    errors = fields.List(fields.Nested(VersionError), required=True,
                         metadata={"description": "the first errors, by row and column"})
    effective_from = fields.Date(allow_none=True, required=True)
    diff = fields.Dict(allow_none=True, required=True)
    job = fields.Nested(JobOut, allow_none=True, required=True, metadata={"description": "the import job"})

    @post_dump
    def _no_errors_is_empty(self, data, **kwargs):
        data["errors"] = data["errors"] or []
        return data

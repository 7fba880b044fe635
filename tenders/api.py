"""Tender contract API: electricity suppliers send monthly readings; wards and suppliers read the
month's bill lines at the contract rates."""
from __future__ import annotations

from marshmallow import fields, validate

from procure.api import bp
from procure.api.errors import ApiError
from procure.api.schemas import DecimalString, DecimalText, Int64, Lenient, QueryInt, Strict, Text
from procure.extensions import db
from procure.models import WARD_ROLES, Role
from procure.permissions import allow, request_user
from tenders import service
from tenders.models import Contract


class Reading(Strict):
    facility = Text(200, required=True, metadata={"description": "the facility's name as contracted"})
    year = Int64(2000, 2100, required=True)
    month = Int64(1, 12, required=True)
    kwh = DecimalText(signed=False, required=True)
    peak_kw = DecimalText(signed=False, required=True)
    fuel_adjustment_rate = DecimalText(metadata={"description": "yen per kWh, may be negative"})
    renewable_rate = DecimalText(signed=False)


class Readings(Strict):
    readings = fields.List(fields.Nested(Reading), required=True, validate=validate.Length(min=1, max=1000))


class Stored(Strict):
    stored = fields.Integer(required=True)


class BillQuery(Lenient):
    year = QueryInt(2000, 2100, required=True)
    month = QueryInt(1, 12, required=True)


class BillLine(Strict):
    kind = fields.String(required=True)
    description = fields.String(required=True)
    quantity = DecimalString(required=True)
    unit_price = DecimalString(required=True)
    amount = DecimalString(required=True)


class Bill(Strict):
    contract_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    lines = fields.List(fields.Nested(BillLine), required=True)
    total = DecimalString(required=True)


def _contract(contract_id: int) -> Contract:
    user = request_user()
    contract = db.session.get(Contract, contract_id)
    if contract is None or not ((user.role == Role.VENDOR and contract.vendor_id == user.vendor_id)
                                or (user.role in WARD_ROLES and contract.ward_id == user.ward_id)):
        raise ApiError(404, "Contract not found")
    return contract


@bp.post("/tender-contracts/<int:contract_id>/readings")
@bp.arguments(Readings)
@bp.response(201, Stored)
@bp.doc(summary="Electricity supplier: monthly readings per contracted facility (replaces the same month)")
@allow(Role.VENDOR)
def api_record_readings(body, contract_id):
    _contract(contract_id)
    try:
        stored = service.record_readings(request_user(), contract_id, body["readings"])
    except service.TenderError as exc:
        raise ApiError(422, str(exc), "readings") from None
    return {"stored": len(stored)}


@bp.get("/tender-contracts/<int:contract_id>/bill")
@bp.arguments(BillQuery, location="query")
@bp.response(200, Bill)
@bp.doc(summary="The month's charge lines at the contract rates (base, energy, fuel adjustment, renewable)")
@allow(Role.VENDOR, *WARD_ROLES)
def api_monthly_bill(query, contract_id):
    contract = _contract(contract_id)
    lines = service.monthly_bill(contract, query["year"], query["month"])
    return {"contract_id": contract.id, "year": query["year"], "month": query["month"], "lines": lines,
            "total": sum((line.amount for line in lines), 0)}

"""Tender contract API: electricity suppliers send monthly readings; wards and suppliers read the
month's bill lines at the contract rates."""
from __future__ import annotations

from flask import jsonify, request

from procure.api import bp
from procure.api.core import json_body
from procure.api.errors import ApiError, query_int
from procure.api.openapi import document, error_responses
from procure.extensions import db
from procure.models import WARD_ROLES, Role
from procure.permissions import allow, request_user
from tenders import service
from tenders.models import Contract


def _contract(contract_id: int) -> Contract:
    user = request_user()
    contract = db.session.get(Contract, contract_id)
    if contract is None or not ((user.role == Role.VENDOR and contract.vendor_id == user.vendor_id)
                                or (user.role in WARD_ROLES and contract.ward_id == user.ward_id)):
        raise ApiError(404, "Contract not found")
    return contract


@bp.post("/tender-contracts/<int:contract_id>/readings")
@allow(Role.VENDOR)
def api_record_readings(contract_id):
    _contract(contract_id)
    readings = json_body().get("readings")
    if not isinstance(readings, list) or not readings:
        raise ApiError(422, "readings: required, a non-empty array of {facility, year, month, kwh, peak_kw, "
                            "fuel_adjustment_rate, renewable_rate}", "readings")
    try:
        stored = service.record_readings(request_user(), contract_id, readings)
    except service.TenderError as exc:
        raise ApiError(422, str(exc), "readings") from None
    return jsonify(stored=len(stored)), 201


@bp.get("/tender-contracts/<int:contract_id>/bill")
@allow(Role.VENDOR, *WARD_ROLES)
def api_monthly_bill(contract_id):
    contract = _contract(contract_id)
    year, month = query_int("year", low=2000, high=2100), query_int("month", low=1, high=12)
    if not year or not month or not 1 <= month <= 12:
        raise ApiError(422, "year and month (1-12) are required query parameters", "month")
    lines = service.monthly_bill(contract, year, month)
    return jsonify(contract_id=contract.id, year=year, month=month,
                   lines=[{"kind": l.kind, "description": l.description, "quantity": str(l.quantity),
                           "unit_price": str(l.unit_price), "amount": str(l.amount)} for l in lines],
                   total=str(sum((l.amount for l in lines), 0)))


_ID = {"name": "contract_id", "in": "path", "required": True, "schema": {"type": "integer"}}
document(paths={
    "/tender-contracts/{contract_id}/readings": {"post": {
        "summary": "Electricity supplier: monthly readings per contracted facility (replaces the same month)",
        "parameters": [_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["readings"], "properties": {"readings": {"type": "array", "items": {
                "type": "object", "required": ["facility", "year", "month", "kwh", "peak_kw"],
                "properties": {"facility": {"type": "string"}, "year": {"type": "integer"},
                               "month": {"type": "integer"}, "kwh": {"type": "string"},
                               "peak_kw": {"type": "string"}, "fuel_adjustment_rate": {"type": "string"},
                               "renewable_rate": {"type": "string"}}}}}}}}},
        "responses": {"201": {"description": "Stored"}, **error_responses(400, 401, 403, 404, 422)}}},
    "/tender-contracts/{contract_id}/bill": {"get": {
        "summary": "The month's charge lines at the contract rates (base, energy, fuel adjustment, renewable)",
        "parameters": [_ID, {"name": "year", "in": "query", "required": True, "schema": {"type": "integer"}},
                       {"name": "month", "in": "query", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "Bill lines"}, **error_responses(401, 403, 404, 422)}}},
})

"""Tender contract API: electricity suppliers send monthly readings; wards and suppliers read the
month's bill lines at the contract rates."""
from __future__ import annotations

from marshmallow import fields, validate
from sqlalchemy import select

from procure.api import bp
from procure.api.errors import ApiError
from procure.api.schemas import MAX_ID, DecimalString, DecimalText, Int64, Lenient, QueryInt, Strict, Text
from procure.extensions import db
from procure.models import ALL_ROLES, WARD_ROLES, Role
from procure.permissions import allow, request_user, scoped
from tenders import lifecycle, service
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


class PolicyOut(Strict):
    mode = fields.String(required=True, metadata={"description": "pooled | individual | grouped"})
    max_groups = fields.Integer(required=True)
    group_breaks = fields.List(fields.Integer(), required=True)
    rounding = fields.String(required=True)
    description = fields.String(required=True)


class LotPolicyOut(Strict):
    lot_code = fields.String(required=True, metadata={"description": "empty: the whole tender (default for lots)"})
    policy = fields.Nested(PolicyOut, required=True)


class TenderPolicies(Strict):
    tender_id = fields.Integer(required=True)
    policies = fields.List(fields.Nested(LotPolicyOut), required=True)


class LinePricing(Strict):
    group = fields.Integer(required=True, metadata={"description": "the ward's group, by increasing quantity"})
    group_quantity = fields.Integer(required=True, metadata={"description": "the quantity that set the tier"})
    pattern_unit_price = DecimalString(required=True)


class ContractLineOut(Strict):
    pattern = fields.String()
    name = fields.String()
    options = fields.List(fields.String())
    lease_months = fields.Integer(allow_none=True)
    facility = fields.String()
    voltage = fields.String()
    quantity = fields.Integer(required=True)
    unit_price = DecimalString()
    amount = DecimalString(required=True)
    pricing = fields.Nested(LinePricing, metadata={"description": "purchases: why this unit price"})


class ContractOut(Strict):
    id = fields.Integer(required=True)
    tender_id = fields.Integer(required=True)
    lot_code = fields.String(required=True)
    ward_code = fields.String(attribute="ward.code", required=True)
    vendor_id = fields.Integer(required=True)
    amount = DecimalString(required=True)
    signed_at = fields.DateTime(allow_none=True, required=True)
    lines = fields.List(fields.Nested(ContractLineOut), required=True)


class ContractList(Strict):
    contracts = fields.List(fields.Nested(ContractOut), required=True)


class ContractQuery(Lenient):
    tender_id = QueryInt(1, MAX_ID)


@bp.get("/tenders/<int:tender_id>/pricing-policy")
@bp.response(200, TenderPolicies)
@bp.doc(summary="How the tender's volume-tier prices become each ward's unit price (published terms)")
@allow(*ALL_ROLES)
def api_pricing_policy(tender_id):
    from tenders.models import Tender
    from procure.pricing_policy_forms import describe

    tender, role = db.session.get(Tender, tender_id), request_user().role
    # As on the pages: a draft is the office's; vendors see a tender once it is published.
    hidden = {lifecycle.DRAFT} if role != Role.VENDOR else {lifecycle.DRAFT, lifecycle.DEMAND}
    if tender is None or (role != Role.OFFICE and tender.status in hidden):
        raise ApiError(404, "Tender not found")
    rows = [("", service.policy_for(tender))] + [(row.code, service.policy_for(tender, row.code)) for row in tender.lots]
    return {"tender_id": tender.id, "policies": [
        {"lot_code": code, "policy": {**policy.as_dict(), "description": describe(policy)}} for code, policy in rows]}


@bp.get("/tender-contracts")
@bp.arguments(ContractQuery, location="query")
@bp.response(200, ContractList)
@bp.doc(summary="Ward contracts the caller may see (a ward its own, a vendor its own, the office all), "
                "with each purchase line's group and the quantity that set its tier")
@allow(*ALL_ROLES)
def api_contracts(query):
    stmt = scoped(select(Contract), Contract, request_user()).order_by(Contract.id)
    if query.get("tender_id"):
        stmt = stmt.where(Contract.tender_id == query["tender_id"])
    return {"contracts": db.session.scalars(stmt.limit(500)).all()}

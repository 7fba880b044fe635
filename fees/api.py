"""Fee contracts over the API: a ward system reports the month's units; wards read their fees."""
from __future__ import annotations

from marshmallow import fields
from sqlalchemy import select

from fees import service
from fees.models import FeeContract
from fees.pricing import FeeError
from procure.api import bp
from procure.api.errors import ApiError
from procure.api.schemas import DecimalString, Int64, Lenient, QueryInt, Strict, Text
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import WARD_ROLES, Role, Ward
from procure.permissions import allow, request_user


class UsageIn(Strict):
    year = Int64(2000, 2100, required=True)
    month = Int64(1, 12, required=True)
    units = Int64(0, service.MAX_UNITS, required=True)
    ward_code = Text(6, metadata={"description": "office only: the ward reported for (a ward reports its own)"})


class UsageOut(Strict):
    fee_contract_id = fields.Integer(required=True)
    ward_code = fields.String(attribute="ward.code", required=True)
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    units = fields.Integer(required=True)


class MonthQuery(Lenient):
    year = QueryInt(2000, 2100, required=True)
    month = QueryInt(1, 12, required=True)


class WardFeeOut(Strict):
    ward_code = fields.String(required=True)
    units = fields.Integer(required=True)
    pooled_units = fields.Integer(required=True, metadata={"description": "all wards' units: sets the tier"})
    unit_fee = DecimalString(required=True)
    base_fee = DecimalString(required=True)
    usage_amount = DecimalString(required=True)
    total = DecimalString(required=True)


class MonthFees(Strict):
    fee_contract_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    fees = fields.List(fields.Nested(WardFeeOut), required=True)


def _contract(contract_id: int) -> FeeContract:
    contract = db.session.get(FeeContract, contract_id)
    if contract is None:
        raise ApiError(404, "Fee contract not found")
    return contract


@bp.post("/fee-contracts/<int:contract_id>/usage")
@bp.arguments(UsageIn)
@bp.response(201, UsageOut)
@bp.doc(summary="Report a month's units (a ward its own; the office for any ward); replaces an earlier report "
                "until the month is billed")
@allow(*WARD_ROLES, Role.OFFICE)
def api_report_usage(body, contract_id):
    user, contract = request_user(), _contract(contract_id)
    if user.role == Role.OFFICE:
        ward = db.session.scalar(select(Ward).filter_by(code=body.get("ward_code", "")))
        if ward is None:
            raise ApiError(422, "ward_code: the office reports for a ward: give its 全国地方公共団体コード", "ward_code")
        ward_id = ward.id
    else:
        ward_id = user.ward_id
    try:
        return service.report_units(user, contract.id, ward_id, body["year"], body["month"], body["units"],
                                    today_in_tokyo())
    except FeeError as exc:
        raise ApiError(422, str(exc), exc.field) from None


@bp.get("/fee-contracts/<int:contract_id>/fees")
@bp.arguments(MonthQuery, location="query")
@bp.response(200, MonthFees)
@bp.doc(summary="A month's fee per ward at the tier all wards' units reach (a ward sees its own row)")
@allow(*WARD_ROLES, Role.OFFICE)
def api_month_fees(query, contract_id):
    user, contract = request_user(), _contract(contract_id)
    wards = {w.id: w.code for w in db.session.scalars(select(Ward))}
    fees = service.fees_for_month(contract, query["year"], query["month"])
    rows = [{"ward_code": wards[ward_id], "units": fee.units, "pooled_units": fee.pooled_units,
             "unit_fee": fee.unit_fee, "base_fee": fee.base_fee, "usage_amount": fee.usage_amount, "total": fee.total}
            for ward_id, fee in sorted(fees.items()) if user.role == Role.OFFICE or ward_id == user.ward_id]
    return {"fee_contract_id": contract.id, "year": query["year"], "month": query["month"], "fees": rows}

"""Cost shares over the API: a ward reads its bills, the office every ward's."""
from __future__ import annotations

from marshmallow import fields
from sqlalchemy import select

from costshares.models import CostShareBill
from procure.api import bp
from procure.api.schemas import DecimalString, Lenient, QueryInt, Strict
from procure.extensions import db
from procure.models import WARD_ROLES, Role
from procure.permissions import allow, request_user, scoped


class CostShareLine(Strict):
    label = fields.String(required=True)
    amount = DecimalString(required=True)
    basis = fields.String(required=True, metadata={"description": "how the amount is made"})


class CostShareOut(Strict):
    number = fields.String(required=True)
    fiscal_year = fields.Integer(required=True)
    ward_code = fields.String(attribute="ward.code", required=True)
    joint_amount = DecimalString(required=True, metadata={"description": "paid under joint contracts that year"})
    standalone_amount = DecimalString(allow_none=True, required=True)
    shares = DecimalString(required=True)
    adjustment = DecimalString(required=True, metadata={"description": "minimum-saving guarantee: <0 lowers, >0 recovers"})
    total = DecimalString(required=True, metadata={"description": "outside consumption tax (不課税)"})
    min_savings_rate = DecimalString(allow_none=True, required=True)
    lines = fields.List(fields.Nested(CostShareLine), required=True)


class CostShareList(Strict):
    cost_shares = fields.List(fields.Nested(CostShareOut), required=True)


class CostShareQuery(Lenient):
    fiscal_year = QueryInt(2000, 2100)


@bp.get("/cost-shares")
@bp.arguments(CostShareQuery, location="query")
@bp.response(200, CostShareList)
@bp.doc(summary="運営費負担金 bills: a ward its own, the office every ward's")
@allow(*WARD_ROLES, Role.OFFICE)
def api_cost_shares(query):
    stmt = scoped(select(CostShareBill), CostShareBill, request_user()).order_by(CostShareBill.number)
    if query.get("fiscal_year"):
        stmt = stmt.where(CostShareBill.fiscal_year == query["fiscal_year"])
    return {"cost_shares": db.session.scalars(stmt).all()}

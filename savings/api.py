"""The savings ledger over the API: a ward reads its own entries, the office every ward's."""
from __future__ import annotations

from marshmallow import fields
from sqlalchemy import select

from procure.api import bp
from procure.api.schemas import DecimalString, Strict
from procure.extensions import db
from procure.models import WARD_ROLES, Role
from procure.permissions import allow, request_user, scoped
from savings.models import CURRENT_RATES, INDIVIDUAL_TIER, OFFICE_COST, SavingsEntry


class SavingOut(Strict):
    ward_code = fields.String(attribute="ward.code", required=True)
    source = fields.String(required=True)
    source_id = fields.Integer(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    fixed_on = fields.Date(required=True)
    reference_kind = fields.String(required=True, metadata={"description": (
        f"{INDIVIDUAL_TIER}: the winner's schedule at the ward's quantity alone; "
        f"{CURRENT_RATES}: electricity at the ward's rates before the tender; "
        f"{OFFICE_COST}: the ward's share of the office's running costs (reference 0, a negative saving)")})
    reference_amount = DecimalString(required=True)
    paid_amount = DecimalString(required=True)
    saving = DecimalString(required=True)


class SavingList(Strict):
    savings = fields.List(fields.Nested(SavingOut), required=True)


@bp.get("/savings")
@bp.response(200, SavingList)
@bp.doc(summary="Savings, fixed when each amount was fixed, with the reference each uses")
@allow(*WARD_ROLES, Role.OFFICE)
def api_savings():
    stmt = scoped(select(SavingsEntry), SavingsEntry, request_user()).order_by(SavingsEntry.id)
    return {"savings": db.session.scalars(stmt.limit(5000)).all()}

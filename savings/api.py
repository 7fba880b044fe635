"""The savings ledger over the API: a ward reads its own entries, the office every ward's."""
from __future__ import annotations

from marshmallow import fields
from sqlalchemy import select

from procure.api import bp
from procure.api.schemas import DecimalString, Strict
from procure.extensions import db
from procure.models import WARD_ROLES, Role
from procure.permissions import allow, request_user, scoped
from savings.models import REFERENCE_NAMES, SavingsEntry


class SavingOut(Strict):
    ward_code = fields.String(attribute="ward.code", required=True)
    source = fields.String(required=True)
    source_id = fields.Integer(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    fixed_on = fields.Date(required=True)
    reference_kind = fields.String(required=True, metadata={"description": "; ".join(
        f"{k}: {v}" for k, v in REFERENCE_NAMES.items())})
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

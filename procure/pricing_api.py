"""POST /api/v1/pricing/allocate: the pricing engine over the API (contract: allocation.md).

The schema states the input's shape; the engine's own parser (shared with the CLI) checks what a
schema cannot (tiers in order, unique ids, whole yen) and names the field in its error."""
from marshmallow import fields, validate

from procure.api import bp
from procure.api.errors import ApiError
from procure.api.schemas import DecimalText, Int64, Strict, Text
from procure.models import Role
from procure.permissions import allow
from procure.pricing import MODES, ROUNDING_MODES, InfeasibleError, PricingInputError, allocate_json
from procure.pricing.engine import MAX_GROUPS_LIMIT

WHOLE_YEN = {"pattern": "^-?[0-9]+$", "description": "whole yen"}


class Participant(Strict):
    id = Text(100, required=True)
    quantity = DecimalText(signed=False, required=True)
    population = DecimalText(signed=False)
    standalone_amount = DecimalText(signed=False, metadata={"description": "what it would pay alone"})


class Tier(Strict):
    min_quantity = DecimalText(signed=False, required=True)
    unit_price = DecimalText(signed=False, required=True)


class Weights(Strict):
    equal = DecimalText(signed=False)
    population = DecimalText(signed=False)
    quantity = DecimalText(signed=False)


class SharedCost(Strict):
    label = fields.String(validate=validate.Length(max=200))
    amount = DecimalText(signed=False, required=True)
    weights = fields.Nested(Weights)


class AllocationInput(Strict):
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    participants = fields.List(fields.Nested(Participant), required=True, validate=validate.Length(min=1))
    tiers = fields.List(fields.Nested(Tier), required=True, validate=validate.Length(min=1))
    group_breaks = fields.List(DecimalText(signed=False))
    max_groups = Int64(1, MAX_GROUPS_LIMIT)
    base_fee = DecimalText(signed=False)
    shared_costs = fields.List(fields.Nested(SharedCost))
    min_savings_rate = DecimalText(signed=False)
    rounding = fields.String(validate=validate.OneOf(tuple(ROUNDING_MODES)))


class GroupOut(Strict):
    members = fields.List(fields.String(), required=True)
    quantity = fields.String(required=True)
    unit_price = fields.String(required=True)


class ParticipantOut(Strict):
    id = fields.String(required=True)
    group = fields.Integer(required=True)
    quantity = fields.String(required=True)
    unit_price = fields.String(required=True)
    goods_amount = fields.String(required=True, metadata=WHOLE_YEN)
    base_fee = fields.String(required=True, metadata=WHOLE_YEN)
    shared_costs = fields.String(required=True, metadata=WHOLE_YEN)
    adjustment = fields.String(required=True, metadata=WHOLE_YEN)
    total = fields.String(required=True, metadata=WHOLE_YEN)
    standalone_amount = fields.String(required=True, allow_none=True)
    savings = fields.String(required=True, allow_none=True)
    savings_rate = fields.String(required=True, allow_none=True)


class TotalsOut(Strict):
    goods_amount = fields.String(required=True, metadata=WHOLE_YEN)
    base_fee = fields.String(required=True, metadata=WHOLE_YEN)
    shared_costs = fields.String(required=True, metadata=WHOLE_YEN)
    adjustment = fields.String(required=True, metadata=WHOLE_YEN)
    total = fields.String(required=True, metadata=WHOLE_YEN)
    standalone_amount = fields.String(required=True, allow_none=True)
    savings = fields.String(required=True, allow_none=True)
    savings_rate = fields.String(required=True, allow_none=True)


class AllocationResult(Strict):
    mode = fields.String(required=True)
    pooled_quantity = fields.String(required=True)
    groups = fields.List(fields.Nested(GroupOut), required=True)
    participants = fields.List(fields.Nested(ParticipantOut), required=True)
    totals = fields.Nested(TotalsOut, required=True)


@bp.post("/pricing/allocate")
@bp.arguments(AllocationInput)
@bp.response(200, AllocationResult)
@bp.doc(summary="Group-tiered pricing and allocation (contract: allocation.md)",
        description="Office only. Prices pooled demand by a tier schedule (pooled / individual / grouped), "
                    "adds base fee and shared costs (largest-remainder yen), and applies the "
                    "minimum-saving guarantee.")
@allow(Role.OFFICE)
def api_allocate(body):
    try:
        return allocate_json(body)
    except PricingInputError as exc:
        raise ApiError(422, str(exc), exc.field) from None
    except InfeasibleError as exc:
        raise ApiError(422, str(exc), "min_savings_rate") from None

"""Group-tiered pricing and allocation engine (pure; see engine.py and docs/pricing.md).

The CLI lives in procure.pricing.cli and is not imported here, so importing this package
needs neither click nor Flask.
"""
from procure.pricing.engine import (
    DEFAULT_MAX_GROUPS,
    MODES,
    ROUNDING_MODES,
    AllocationInput,
    AllocationResult,
    Group,
    InfeasibleError,
    Participant,
    ParticipantAllocation,
    PricingError,
    PricingInputError,
    SharedCost,
    Tier,
    allocate,
    allocate_json,
    auto_groups,
    band_groups,
    largest_remainder,
    minimum_saving_adjustments,
    parse_allocation_input,
    rate_4dp_half_up,
    result_to_dict,
    round_yen_int,
    savings_cap,
    shared_cost_shares,
    tier_price,
)
from procure.money import round_yen

__all__ = [
    "DEFAULT_MAX_GROUPS", "MODES", "ROUNDING_MODES", "AllocationInput", "AllocationResult", "Group",
    "InfeasibleError", "Participant", "ParticipantAllocation", "PricingError", "PricingInputError",
    "SharedCost", "Tier", "allocate", "allocate_json", "auto_groups", "band_groups",
    "largest_remainder", "minimum_saving_adjustments", "parse_allocation_input", "rate_4dp_half_up",
    "result_to_dict", "round_yen", "savings_cap", "shared_cost_shares", "tier_price", "round_yen_int",
]

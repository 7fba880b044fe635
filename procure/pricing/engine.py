"""Group-tiered pricing and cost allocation (contract: shared/contracts/allocation.md).

Pure: standard library only (decimal, dataclasses), no Flask, no database. Money is whole yen
(int); quantities, prices, weights and rates are exact Decimals; nothing goes through float.

    result = allocate(parse_allocation_input(data))   # or allocate_json(data) -> contract JSON

Pricing: participants are put into groups (pooled: one group; individual: one each; grouped: by
`group_breaks` bands or automatically), and each group pays tier(sum of its quantities) per unit.
Each participant then pays goods (rounded) + base fee + its largest-remainder share of every
shared cost, and, with `min_savings_rate`, an adjustment that caps it at floor(standalone x (1-r))
and recovers the reductions from the participants with slack.

Automatic grouping (mode grouped without group_breaks) is Jenks natural breaks, i.e. the exact
1-D k-means optimum over the participants' quantities: among all ways to cut the sorted distinct
quantities into exactly `max_groups` contiguous groups, take the one with the smallest total
within-group sum of squared deviations of quantity from the group mean (every participant counts
once, so a quantity shared by three participants weighs three times). Equal quantities are never
split, because cuts only fall between distinct values. The objective is compared exactly (integer
fractions, no rounding), and a tie goes to the partition whose last cut is earliest, then whose
second-to-last cut is earliest, and so on. With no more distinct quantities than `max_groups`,
each distinct quantity is its own group. The optimum is found by dynamic programming with the
divide-and-conquer speed-up (valid because the cost satisfies the quadrangle inequality):
O(max_groups x d log d) for d distinct quantities.
"""
from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from decimal import (ROUND_FLOOR, Context, Decimal,
                     DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext)
from typing import Any, Mapping, Sequence

from procure.money import ROUNDING_MODES, round_yen

MODES = ("pooled", "individual", "grouped")
WEIGHT_BASES = ("equal", "population", "quantity")
DEFAULT_MAX_GROUPS = 3
MAX_GROUPS_LIMIT = 100  # grouping cost grows with max_groups; the seed uses 3
MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 12

TOP_LEVEL_FIELDS = ("mode", "participants", "tiers", "group_breaks", "max_groups", "base_fee",
                    "shared_costs", "min_savings_rate", "rounding")
PARTICIPANT_FIELDS = ("id", "quantity", "population", "standalone_amount")
TIER_FIELDS = ("min_quantity", "unit_price")
SHARED_COST_FIELDS = ("label", "amount", "weights")

# Inputs are bounded to 18 + 12 digits, so products and sums of millions of them fit easily in
# this precision and additions/multiplications are exact. Inexact is trapped so that a silent
# rounding can never slip into a yen amount (rounding to yen uses to_integral_value, which is
# explicit and does not signal).
_EXACT = Context(prec=120, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


# --------------------------------------------------------------------------- errors

class PricingError(Exception):
    """Anything the engine refuses; str() is one line."""


class PricingInputError(PricingError, ValueError):
    """Invalid input: `field` is the JSON path (e.g. participants[2].quantity)."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(_one_line(f"{field}: {reason}"))


class InfeasibleError(PricingError):
    """The minimum saving cannot be met: the slack is smaller than the reductions needed."""

    field = "min_savings_rate"

    def __init__(self, needed: int, slack: int):
        self.needed = needed
        self.slack = slack
        self.shortfall = needed - slack
        super().__init__(
            f"min_savings_rate: infeasible: participants above their cap need {needed:,} yen of "
            f"reductions but the others have only {slack:,} yen of slack "
            f"(shortfall {self.shortfall:,} yen)")


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


def _quote(value: Any) -> str:
    """User content inside a message: JSON-quoted (so no newlines) and kept short."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- data

@dataclass(frozen=True)
class Tier:
    min_quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class Participant:
    id: str
    quantity: Decimal
    population: Decimal | None = None
    standalone_amount: int | None = None


@dataclass(frozen=True)
class SharedCost:
    amount: int
    weights: Mapping[str, Decimal]  # basis name -> weight (positive sum)
    label: str = ""


@dataclass(frozen=True)
class AllocationInput:
    """Validated input; build it with parse_allocation_input (allocate trusts it)."""

    mode: str
    participants: tuple[Participant, ...]
    tiers: tuple[Tier, ...]
    group_breaks: tuple[Decimal, ...] | None = None
    max_groups: int = DEFAULT_MAX_GROUPS
    base_fee: int = 0
    shared_costs: tuple[SharedCost, ...] = ()
    min_savings_rate: Decimal | None = None
    rounding: str = "down"


@dataclass(frozen=True)
class Group:
    members: tuple[str, ...]  # participant ids, input order
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class ParticipantAllocation:
    id: str
    group: int  # index into AllocationResult.groups
    quantity: Decimal
    unit_price: Decimal
    goods_amount: int
    base_fee: int
    shared_cost_shares: tuple[int, ...]  # one per input shared cost, same order
    shared_costs: int  # sum of shared_cost_shares
    adjustment: int
    total: int  # goods_amount + base_fee + shared_costs + adjustment
    standalone_amount: int | None
    cap: int | None  # floor(standalone x (1 - r)) when a minimum saving applies

    @property
    def savings(self) -> int | None:
        return None if self.standalone_amount is None else self.standalone_amount - self.total

    @property
    def savings_rate(self) -> Decimal | None:
        if self.standalone_amount is None:
            return None
        return rate_4dp_half_up(self.savings, self.standalone_amount)


@dataclass(frozen=True)
class AllocationResult:
    mode: str
    pooled_quantity: Decimal
    groups: tuple[Group, ...]  # increasing quantity
    participants: tuple[ParticipantAllocation, ...]  # input order


# --------------------------------------------------------------------------- numbers in

_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED_DECIMAL = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")  # 200,000


def _decimal_from_text(text: str, field: str) -> Decimal:
    # NFKC turns full-width digits, point, comma and minus (as typed in Japanese) into ASCII.
    normalised = unicodedata.normalize("NFKC", text).strip()
    if _GROUPED_DECIMAL.fullmatch(normalised):
        normalised = normalised.replace(",", "")
    if not _PLAIN_DECIMAL.fullmatch(normalised):
        raise PricingInputError(field, f"must be a number, got {_quote(text)}")
    return Decimal(normalised)


def _number(value: Any, field: str) -> Decimal:
    """A JSON number or decimal string as an exact Decimal (bools, NaN, Infinity refused)."""
    if isinstance(value, bool) or value is None:
        raise PricingInputError(field, f"must be a number, got {_quote(value)}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))  # the shortest text that reads back as this float
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        number = _decimal_from_text(value, field)
    else:
        raise PricingInputError(field, f"must be a number or a decimal string, got {_quote(value)}")
    if not number.is_finite():
        raise PricingInputError(field, f"must be a finite number, got {_quote(str(value))}")
    _check_digits(number, field)
    return number.copy_abs() if number.is_zero() else number  # "-0" reads as 0


def _check_digits(number: Decimal, field: str) -> None:
    _, digits, exponent = number.as_tuple()
    integer_digits = max(len(digits) + exponent, 0)
    fraction_digits = max(-exponent, 0)
    if integer_digits > MAX_INTEGER_DIGITS or fraction_digits > MAX_FRACTION_DIGITS:
        raise PricingInputError(field, f"must have at most {MAX_INTEGER_DIGITS} digits before "
                                       f"and {MAX_FRACTION_DIGITS} after the decimal point")


def _non_negative(value: Any, field: str) -> Decimal:
    number = _number(value, field)
    if number < 0:
        raise PricingInputError(field, "must be >= 0")
    return number


def _whole_yen(value: Any, field: str, *, positive: bool = False) -> int:
    number = _non_negative(value, field)
    if number != number.to_integral_value():
        raise PricingInputError(field, "must be whole yen")
    if positive and number == 0:
        raise PricingInputError(field, "must be > 0")
    return int(number)


def _whole_number(value: Any, field: str, low: int, high: int) -> int:
    number = _number(value, field)
    if number != number.to_integral_value() or not low <= number <= high:
        raise PricingInputError(field, f"must be a whole number from {low} to {high}")
    return int(number)


def _choice(data: Mapping, name: str, choices: Sequence[str], default: str | None) -> str:
    value = data.get(name)
    if value is None:
        if default is None:
            raise PricingInputError(name, f"is required ({_or_list(choices)})")
        return default
    if value not in choices or not isinstance(value, str):
        raise PricingInputError(name, f"unknown {name} {_quote(value)} (expected {_or_list(choices)})")
    return value


def _or_list(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1]


def _object(value: Any, field: str, allowed: Sequence[str]) -> Mapping:
    if not isinstance(value, Mapping):
        raise PricingInputError(field, "must be an object")
    for key in value:
        if key not in allowed:  # a typo must not silently drop e.g. min_savings_rate
            path = f"{field}.{key}" if field != "input" else str(key)
            raise PricingInputError(path, f"unknown field (expected {_or_list(allowed)})")
    return value


def _list(value: Any, field: str, *, non_empty: bool) -> list:
    if not isinstance(value, list) or (non_empty and not value):
        raise PricingInputError(field, "must be a non-empty list" if non_empty else "must be a list")
    return value


# --------------------------------------------------------------------------- parsing

def parse_allocation_input(data: Any) -> AllocationInput:
    """Validate contract input (a parsed JSON object); raise PricingInputError on the first fault."""
    data = _object(data, "input", TOP_LEVEL_FIELDS)
    mode = _choice(data, "mode", MODES, default=None)
    tiers = _parse_tiers(data.get("tiers"))
    participants = _parse_participants(data.get("participants"))
    group_breaks = _parse_group_breaks(data.get("group_breaks"))
    max_groups = DEFAULT_MAX_GROUPS
    if data.get("max_groups") is not None:
        max_groups = _whole_number(data["max_groups"], "max_groups", 1, MAX_GROUPS_LIMIT)
    base_fee = 0 if data.get("base_fee") is None else _whole_yen(data["base_fee"], "base_fee")
    shared_costs = _parse_shared_costs(data.get("shared_costs"), participants)
    min_savings_rate = _parse_min_savings_rate(data.get("min_savings_rate"))
    rounding = _choice(data, "rounding", tuple(ROUNDING_MODES), default="down")
    return AllocationInput(mode, participants, tiers, group_breaks, max_groups, base_fee,
                           shared_costs, min_savings_rate, rounding)


def _parse_tiers(value: Any) -> tuple[Tier, ...]:
    tiers: list[Tier] = []
    for index, item in enumerate(_list(value, "tiers", non_empty=True)):
        path = f"tiers[{index}]"
        item = _object(item, path, TIER_FIELDS)
        min_quantity = _non_negative(item.get("min_quantity"), f"{path}.min_quantity")
        if index == 0 and min_quantity != 0:
            raise PricingInputError(f"{path}.min_quantity", "must be 0 (the first tier starts at 0)")
        if tiers and min_quantity <= tiers[-1].min_quantity:
            raise PricingInputError(f"{path}.min_quantity", "must be strictly increasing")
        unit_price = _non_negative(item.get("unit_price"), f"{path}.unit_price")
        tiers.append(Tier(min_quantity, unit_price))
    return tuple(tiers)


def _parse_participants(value: Any) -> tuple[Participant, ...]:
    participants: list[Participant] = []
    first_index_of: dict[str, int] = {}
    for index, item in enumerate(_list(value, "participants", non_empty=True)):
        path = f"participants[{index}]"
        item = _object(item, path, PARTICIPANT_FIELDS)
        participant_id = item.get("id")
        if not isinstance(participant_id, str) or not participant_id.strip():
            raise PricingInputError(f"{path}.id", "is required (a non-empty string)")
        if participant_id in first_index_of:
            raise PricingInputError(f"{path}.id", f"duplicate id {_quote(participant_id)} "
                                                  f"(also participants[{first_index_of[participant_id]}])")
        first_index_of[participant_id] = index
        quantity = _non_negative(item.get("quantity"), f"{path}.quantity")
        population = item.get("population")
        if population is not None:
            population = _non_negative(population, f"{path}.population")
        standalone = item.get("standalone_amount")
        if standalone is not None:
            # > 0: the savings rate divides by it
            standalone = _whole_yen(standalone, f"{path}.standalone_amount", positive=True)
        participants.append(Participant(participant_id, quantity, population, standalone))
    return tuple(participants)


def _parse_group_breaks(value: Any) -> tuple[Decimal, ...] | None:
    if value is None or value == []:  # no breaks given: automatic grouping
        return None
    breaks: list[Decimal] = []
    for index, item in enumerate(_list(value, "group_breaks", non_empty=False)):
        path = f"group_breaks[{index}]"
        threshold = _non_negative(item, path)
        if breaks and threshold <= breaks[-1]:
            raise PricingInputError(path, "must be strictly increasing")
        breaks.append(threshold)
    return tuple(breaks)


def _parse_shared_costs(value: Any, participants: Sequence[Participant]) -> tuple[SharedCost, ...]:
    if value is None:
        return ()
    costs = []
    for index, item in enumerate(_list(value, "shared_costs", non_empty=False)):
        path = f"shared_costs[{index}]"
        item = _object(item, path, SHARED_COST_FIELDS)
        label = item.get("label") or ""
        if not isinstance(label, str):
            raise PricingInputError(f"{path}.label", "must be a string")
        amount = _whole_yen(item.get("amount"), f"{path}.amount")
        weights = _parse_weights(item.get("weights"), f"{path}.weights")
        _check_bases(weights, participants, path)
        costs.append(SharedCost(amount, weights, label))
    return tuple(costs)


def _parse_weights(value: Any, path: str) -> dict[str, Decimal]:
    if value is None:
        return {"equal": Decimal(1)}
    value = _object(value, path, WEIGHT_BASES)
    weights = {name: _non_negative(weight, f"{path}.{name}") for name, weight in value.items()}
    if sum(weights.values()) <= 0:
        raise PricingInputError(path, "must have a positive sum")
    return weights


def _check_bases(weights: Mapping[str, Decimal], participants: Sequence[Participant], path: str) -> None:
    """A basis in use needs its values, and a basis summing to 0 cannot split anything."""
    if weights.get("population", 0) > 0:
        for index, participant in enumerate(participants):
            if participant.population is None:
                raise PricingInputError(f"participants[{index}].population",
                                        f"is required because {path} weights population")
        if sum(p.population for p in participants) == 0:
            raise PricingInputError(f"{path}.weights.population", "populations sum to 0")
    if weights.get("quantity", 0) > 0 and sum(p.quantity for p in participants) == 0:
        raise PricingInputError(f"{path}.weights.quantity", "quantities sum to 0")


def _parse_min_savings_rate(value: Any) -> Decimal | None:
    if value is None:
        return None
    rate = _number(value, "min_savings_rate")
    if not 0 <= rate < 1:
        raise PricingInputError("min_savings_rate", "must be >= 0 and < 1")
    return rate


# --------------------------------------------------------------------------- arithmetic helpers

def tier_price(tiers: Sequence[Tier], quantity: Decimal) -> Decimal:
    """Unit price of the tier with the largest min_quantity <= quantity.

    `tiers`: objects with min_quantity and unit_price, strictly increasing, the first at 0.
    """
    position = bisect_right(tiers, quantity, key=lambda tier: tier.min_quantity)
    if position == 0:
        raise ValueError(f"quantity {quantity} is below the first tier")
    return tiers[position - 1].unit_price


def round_yen_int(amount: Decimal, mode: str = "down") -> int:
    """`procure.money.round_yen` as an int: the engine sums and splits whole yen as integers."""
    return int(round_yen(amount, mode))


def largest_remainder(total: int, weights: Sequence[Decimal | int]) -> list[int]:
    """Split whole `total` in proportion to `weights` so that the parts sum exactly to it.

    Floor every exact share, then give the remaining units one each to the largest fractional
    parts, ties in input order.
    """
    if total < 0:
        raise ValueError("total must be >= 0")
    integer_weights = _scaled_integers(weights)
    if any(weight < 0 for weight in integer_weights) or sum(integer_weights) == 0:
        raise ValueError("weights must be >= 0 with a positive sum")
    return _apportion(total, integer_weights)


def _apportion(total: int, weights: Sequence[int]) -> list[int]:
    """largest_remainder on integer weights: exact integer arithmetic only."""
    denominator = sum(weights)
    shares, remainders = [], []
    for weight in weights:
        share, remainder = divmod(total * weight, denominator)
        shares.append(share)
        remainders.append(remainder)
    leftover = total - sum(shares)
    if leftover:
        # sorted() is stable, so equal remainders keep input order
        for index in sorted(range(len(weights)), key=lambda i: -remainders[i])[:leftover]:
            shares[index] += 1
    return shares


def _scaled_integers(values: Sequence[Decimal | int]) -> list[int]:
    """The same ratios as integers: every value times one common power of ten (exact)."""
    decimals = [value if isinstance(value, Decimal) else Decimal(value) for value in values]
    places = max((max(-value.as_tuple().exponent, 0) for value in decimals), default=0)
    with localcontext(_EXACT):
        return [int(value.scaleb(places)) for value in decimals]


def rate_4dp_half_up(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator to 4 decimal places, half up (away from zero), exactly."""
    scaled, remainder = divmod(abs(numerator) * 10_000, denominator)
    if remainder * 2 >= denominator:
        scaled += 1
    return Decimal(scaled if numerator >= 0 else -scaled).scaleb(-4)


# --------------------------------------------------------------------------- grouping

def band_groups(quantities: Sequence[Decimal], breaks: Sequence[Decimal]) -> list[list[int]]:
    """Participant indices per non-empty band [break_k, break_k+1), bands in increasing order."""
    bands: dict[int, list[int]] = {}
    for index, quantity in enumerate(quantities):
        bands.setdefault(bisect_right(breaks, quantity), []).append(index)
    return [bands[band] for band in sorted(bands)]


def auto_groups(quantities: Sequence[Decimal], max_groups: int = DEFAULT_MAX_GROUPS) -> list[list[int]]:
    """Participant indices per automatic group (Jenks natural breaks, see the module docstring).

    Groups come in increasing quantity, members in input order.
    """
    if max_groups < 1:
        raise ValueError("max_groups must be >= 1")
    counts = Counter(quantities)
    distinct = sorted(counts)
    if len(distinct) <= max_groups:
        cuts = list(range(1, len(distinct)))
    else:
        cuts = _jenks_cuts(_scaled_integers(distinct), [counts[value] for value in distinct], max_groups)
    group_of_value = {}
    for group, (start, end) in enumerate(zip([0] + cuts, cuts + [len(distinct)])):
        for value in distinct[start:end]:
            group_of_value[value] = group
    groups: list[list[int]] = [[] for _ in range(len(cuts) + 1)] if distinct else []
    for index, quantity in enumerate(quantities):
        groups[group_of_value[quantity]].append(index)
    return groups


def _jenks_cuts(values: Sequence[int], counts: Sequence[int], group_count: int) -> list[int]:
    """Cut positions into the sorted distinct `values` giving the optimal `group_count` groups.

    Minimising the within-group sum of squares equals maximising the sum over groups of
    (sum of values)^2 / (number of participants), because the total sum of squares is fixed.
    Scores are kept as exact (numerator, denominator) integer pairs.
    """
    distinct_count = len(values)
    prefix_count, prefix_sum = [0], [0]
    for value, count in zip(values, counts):
        prefix_count.append(prefix_count[-1] + count)
        prefix_sum.append(prefix_sum[-1] + value * count)
    # best[j]: best score for the first j distinct values in the current number of groups
    best: list = [None] + [(prefix_sum[j] ** 2, prefix_count[j]) for j in range(1, distinct_count + 1)]
    choices: list[list[int]] = []
    for groups_so_far in range(2, group_count + 1):
        # the last layer only needs the full range
        first_end = distinct_count if groups_so_far == group_count else groups_so_far
        best, choice = _next_layer(best, prefix_sum, prefix_count, groups_so_far, first_end, distinct_count)
        choices.append(choice)
    cuts, end = [], distinct_count
    for choice in reversed(choices):
        end = choice[end]
        cuts.append(end)
    return cuts[::-1]


def _next_layer(previous, prefix_sum, prefix_count, groups: int, first_end: int, last_end: int):
    """best[j] = max over m of previous[m] + score(values m..j), the leftmost m on ties.

    Divide and conquer: the leftmost optimal m never decreases as j grows (the cost satisfies
    the quadrangle inequality), so the middle j's optimum bounds the search on each side.
    """
    best: list = [None] * (last_end + 1)
    choice = [0] * (last_end + 1)

    def solve(end_low: int, end_high: int, start_low: int, start_high: int) -> None:
        if end_low > end_high:
            return
        end = (end_low + end_high) // 2
        end_sum, end_count = prefix_sum[end], prefix_count[end]
        best_numerator, best_denominator, best_start = -1, 1, start_low
        for start in range(start_low, min(start_high, end - 1) + 1):
            before_numerator, before_denominator = previous[start]
            segment_sum = end_sum - prefix_sum[start]
            segment_count = end_count - prefix_count[start]
            # previous + sum^2 / count, as one exact fraction
            numerator = before_numerator * segment_count + segment_sum * segment_sum * before_denominator
            denominator = before_denominator * segment_count
            # strictly greater: the earliest start wins a tie
            if numerator * best_denominator > best_numerator * denominator:
                best_numerator, best_denominator, best_start = numerator, denominator, start
        best[end], choice[end] = (best_numerator, best_denominator), best_start
        solve(end_low, end - 1, start_low, best_start)
        solve(end + 1, end_high, best_start, start_high)

    solve(first_end, last_end, groups - 1, last_end - 1)
    return best, choice


def _group_members(inp: AllocationInput) -> list[list[int]]:
    """Participant indices per group, groups in increasing quantity."""
    quantities = [participant.quantity for participant in inp.participants]
    if inp.mode == "pooled":
        return [list(range(len(quantities)))]
    if inp.mode == "individual":
        order = sorted(range(len(quantities)), key=lambda index: (quantities[index], index))
        return [[index] for index in order]
    if inp.group_breaks:
        return band_groups(quantities, inp.group_breaks)
    return auto_groups(quantities, inp.max_groups)


# --------------------------------------------------------------------------- cost sharing

def shared_cost_shares(cost: SharedCost, participants: Sequence[Participant]) -> list[int]:
    """Each participant's whole-yen share of one shared cost (sums exactly to cost.amount)."""
    return _apportion(cost.amount, _share_weights(cost.weights, participants))


def _share_weights(weights: Mapping[str, Decimal], participants: Sequence[Participant]) -> list[int]:
    """Integers proportional to sum_k w_k x basis_k(i) / sum_i basis_k(i).

    Multiplying through by the product of the basis sums keeps everything an exact integer.
    """
    used = [name for name in WEIGHT_BASES if weights.get(name, 0) > 0]
    weight_of = dict(zip(used, _scaled_integers([weights[name] for name in used])))
    basis_of = {}
    for name in used:
        if name == "equal":
            basis_of[name] = [1] * len(participants)
        elif name == "population":
            basis_of[name] = _scaled_integers([p.population for p in participants])
        else:
            basis_of[name] = _scaled_integers([p.quantity for p in participants])
    basis_total = {name: sum(basis) for name, basis in basis_of.items()}
    common = 1
    for total in basis_total.values():
        common *= total
    factor = {name: weight_of[name] * (common // basis_total[name]) for name in used}
    return [sum(factor[name] * basis_of[name][index] for name in used)
            for index in range(len(participants))]


# --------------------------------------------------------------------------- minimum saving

def savings_cap(standalone_amount: int, rate: Decimal) -> int:
    """The most a participant may pay: floor(standalone x (1 - r))."""
    with localcontext(_EXACT):
        return int((standalone_amount * (1 - rate)).to_integral_value(rounding=ROUND_FLOOR))


def minimum_saving_adjustments(totals: Sequence[int], caps: Sequence[int | None]) -> list[int]:
    """Lower everyone above its cap to the cap; recover the sum from those with slack.

    Participants without a cap (no standalone amount) neither give nor take. The recovery is
    split in proportion to slack by largest remainder; no share exceeds its slack, because the
    exact share is at most the slack and an extra yen only goes to a fractional share.
    """
    excess = [0 if cap is None else max(total - cap, 0) for total, cap in zip(totals, caps)]
    slack = [0 if cap is None else max(cap - total, 0) for total, cap in zip(totals, caps)]
    needed, available = sum(excess), sum(slack)
    if needed == 0:
        return [0] * len(totals)
    if available < needed:
        raise InfeasibleError(needed, available)
    raises = _apportion(needed, slack)
    return [raised - lowered for raised, lowered in zip(raises, excess)]


# --------------------------------------------------------------------------- allocation

def allocate(inp: AllocationInput) -> AllocationResult:
    """Price and allocate; raises InfeasibleError when the minimum saving cannot be met."""
    participants = inp.participants
    with localcontext(_EXACT):
        groups, group_of = _price_groups(inp)
        goods = [round_yen_int(p.quantity * groups[group_of[i]].unit_price, inp.rounding)
                 for i, p in enumerate(participants)]
        shares_by_cost = [shared_cost_shares(cost, participants) for cost in inp.shared_costs]
        shares = [tuple(cost_shares[i] for cost_shares in shares_by_cost) for i in range(len(participants))]
        before = [goods[i] + inp.base_fee + sum(shares[i]) for i in range(len(participants))]
        caps: list[int | None] = [None] * len(participants)
        adjustments = [0] * len(participants)
        if inp.min_savings_rate is not None:
            caps = [None if p.standalone_amount is None else savings_cap(p.standalone_amount, inp.min_savings_rate)
                    for p in participants]
            adjustments = minimum_saving_adjustments(before, caps)
        pooled_quantity = sum((p.quantity for p in participants), Decimal(0))
    allocations = tuple(
        ParticipantAllocation(p.id, group_of[i], p.quantity, groups[group_of[i]].unit_price, goods[i],
                              inp.base_fee, shares[i], sum(shares[i]), adjustments[i],
                              before[i] + adjustments[i], p.standalone_amount, caps[i])
        for i, p in enumerate(participants))
    return AllocationResult(inp.mode, pooled_quantity, tuple(groups), allocations)


def _price_groups(inp: AllocationInput) -> tuple[list[Group], list[int]]:
    groups, group_of = [], [0] * len(inp.participants)
    for group_index, members in enumerate(_group_members(inp)):
        quantity = sum((inp.participants[i].quantity for i in members), Decimal(0))
        groups.append(Group(tuple(inp.participants[i].id for i in members), quantity,
                            tier_price(inp.tiers, quantity)))
        for i in members:
            group_of[i] = group_index
    return groups, group_of


# --------------------------------------------------------------------------- JSON out

def _decimal_text(value: Decimal) -> str:
    return format(value, "f")  # as given, never in exponent form


def _optional_text(value: Any) -> str | None:
    return None if value is None else (_decimal_text(value) if isinstance(value, Decimal) else str(value))


def result_to_dict(result: AllocationResult) -> dict:
    """The contract's output JSON."""
    return {
        "mode": result.mode,
        "pooled_quantity": _decimal_text(result.pooled_quantity),
        "groups": [{"members": list(group.members), "quantity": _decimal_text(group.quantity),
                    "unit_price": _decimal_text(group.unit_price)} for group in result.groups],
        "participants": [_participant_dict(p) for p in result.participants],
        "totals": _totals_dict(result.participants),
    }


def _participant_dict(p: ParticipantAllocation) -> dict:
    return {
        "id": p.id, "group": p.group, "quantity": _decimal_text(p.quantity),
        "unit_price": _decimal_text(p.unit_price), "goods_amount": str(p.goods_amount),
        "base_fee": str(p.base_fee), "shared_costs": str(p.shared_costs),
        "adjustment": str(p.adjustment), "total": str(p.total),
        "standalone_amount": _optional_text(p.standalone_amount),
        "savings": _optional_text(p.savings), "savings_rate": _optional_text(p.savings_rate),
    }


def _totals_dict(participants: Sequence[ParticipantAllocation]) -> dict:
    totals = {name: str(sum(getattr(p, name) for p in participants))
              for name in ("goods_amount", "base_fee", "shared_costs", "adjustment", "total")}
    # savings count only participants that have a standalone amount
    compared = [p for p in participants if p.standalone_amount is not None]
    if not compared:
        return {**totals, "standalone_amount": None, "savings": None, "savings_rate": None}
    standalone = sum(p.standalone_amount for p in compared)
    savings = standalone - sum(p.total for p in compared)
    return {**totals, "standalone_amount": str(standalone), "savings": str(savings),
            "savings_rate": _decimal_text(rate_4dp_half_up(savings, standalone))}


def allocate_json(data: Any) -> dict:
    """Contract JSON in, contract JSON out."""
    return result_to_dict(allocate(parse_allocation_input(data)))

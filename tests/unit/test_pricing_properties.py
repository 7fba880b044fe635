"""Properties of the pricing engine that must hold for every input (hypothesis)."""
import itertools
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from procure.pricing import (InfeasibleError, allocate, auto_groups, largest_remainder,
                             parse_allocation_input)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

quantities = st.one_of(st.integers(0, 60_000), st.integers(0, 600_000).map(lambda n: f"{Decimal(n) / 10}"))
prices = st.integers(0, 300).map(lambda n: str(Decimal(n) / 10))


@st.composite
def tier_lists(draw, non_increasing=False):
    steps = draw(st.lists(st.integers(1, 30_000), min_size=0, max_size=4))
    starts = [0] + list(itertools.accumulate(steps))
    unit_prices = draw(st.lists(prices, min_size=len(starts), max_size=len(starts)))
    if non_increasing:
        unit_prices = sorted(unit_prices, key=Decimal, reverse=True)
    return [{"min_quantity": start, "unit_price": price} for start, price in zip(starts, unit_prices)]


@st.composite
def participant_lists(draw, min_size=1, max_size=8):
    participants = []
    for index in range(draw(st.integers(min_size, max_size))):
        quantity = draw(quantities)
        participant = {"id": f"p{index}", "quantity": quantity, "population": draw(st.integers(1, 900_000))}
        if draw(st.booleans()):
            # near what it would pay, so that some are over their cap and others have slack
            unit_price = draw(st.integers(1, 40))
            participant["standalone_amount"] = int(Decimal(str(quantity)) * unit_price) + draw(st.integers(1, 50_000))
        participants.append(participant)
    return participants


# any non-empty subset of the bases; a zero sum would be invalid input
weights = st.fixed_dictionaries({}, optional={"equal": st.integers(0, 10), "population": st.integers(0, 10),
                                              "quantity": st.integers(0, 10)}) \
    .map(lambda w: w if sum(w.values()) > 0 else {**w, "equal": 1})


@st.composite
def allocation_inputs(draw, non_increasing=False, with_rate=None):
    participants = draw(participant_lists())
    costs = draw(st.lists(st.fixed_dictionaries({"amount": st.integers(0, 300_000), "weights": weights}),
                          max_size=3))
    if all(Decimal(str(p["quantity"])) == 0 for p in participants):
        costs = [c for c in costs if not c["weights"].get("quantity")]
    data = {"mode": draw(st.sampled_from(["pooled", "individual", "grouped"])),
            "participants": participants, "tiers": draw(tier_lists(non_increasing)),
            "max_groups": draw(st.integers(1, 4)), "base_fee": draw(st.integers(0, 2000)),
            "shared_costs": costs, "rounding": draw(st.sampled_from(["down", "half_up", "up"]))}
    if draw(st.booleans()):
        data["group_breaks"] = sorted(set(draw(st.lists(st.integers(1, 200_000), max_size=3))))
    rate_wanted = draw(st.booleans()) if with_rate is None else with_rate
    if rate_wanted:
        data["min_savings_rate"] = str(Decimal(draw(st.integers(0, 99))) / 100)  # 0.00 .. 0.99
    return data


def allocate_or_none(data):
    try:
        return allocate(parse_allocation_input(data))
    except InfeasibleError:
        return None


def exact_shares(amount, cost_weights, participants):
    """Reference: share_i = amount x sum_k (w_k / sum w) x basis_k(i), as exact fractions."""
    total_weight = sum(Fraction(w) for w in cost_weights.values())
    basis_values = {"equal": [Fraction(1)] * len(participants),
                    "population": [Fraction(p["population"]) for p in participants],
                    "quantity": [Fraction(Decimal(str(p["quantity"]))) for p in participants]}
    shares = []
    for index in range(len(participants)):
        share = Fraction(0)
        for name, weight in cost_weights.items():
            if weight:
                share += Fraction(weight) / total_weight * basis_values[name][index] / sum(basis_values[name])
        shares.append(amount * share)
    return shares


def reference_largest_remainder(exact):
    floors = [math.floor(x) for x in exact]
    leftover = int(sum(exact)) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: -(exact[i] - floors[i]))
    for index in order[:leftover]:
        floors[index] += 1
    return floors


def has_tied_fractions(exact):
    fractions = [x - math.floor(x) for x in exact if x != math.floor(x)]
    return len(fractions) != len(set(fractions))


# --------------------------------------------------------------------------- shared costs

@SETTINGS
@given(allocation_inputs(with_rate=False))
def test_shares_sum_exactly_to_each_shared_cost_and_match_the_exact_reference(data):
    result = allocate(parse_allocation_input(data))
    for index, cost in enumerate(data["shared_costs"]):
        shares = [p.shared_cost_shares[index] for p in result.participants]
        assert sum(shares) == cost["amount"]
        exact = exact_shares(cost["amount"], cost["weights"], data["participants"])
        assert shares == reference_largest_remainder(exact)


@SETTINGS
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6).map(lambda n: Decimal(n) / 1000), min_size=1, max_size=30)
       .map(lambda ws: ws if sum(ws) > 0 else ws + [Decimal(1)]))
def test_largest_remainder_sums_exactly_and_stays_within_one_of_the_exact_share(total, weights):
    shares = largest_remainder(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights):
        exact = Fraction(total) * Fraction(weight) / Fraction(sum(weights))
        assert math.floor(exact) <= share <= math.floor(exact) + 1


# --------------------------------------------------------------------------- adjustment

def with_standalone_near_totals(data, draw):
    """Standalone amounts between half and three times what each pays: some over the cap, some with slack."""
    before = allocate(parse_allocation_input({k: v for k, v in data.items() if k != "min_savings_rate"}))
    participants = []
    for participant, allocation in zip(data["participants"], before.participants):
        participant = {k: v for k, v in participant.items() if k != "standalone_amount"}
        if draw(st.integers(0, 4)):  # mostly with a standalone amount
            percent = draw(st.integers(50, 300))
            participant["standalone_amount"] = max(allocation.total * percent // 100, 1)
        participants.append(participant)
    return {**data, "participants": participants,
            "min_savings_rate": str(Decimal(draw(st.integers(0, 60))) / 100)}


@SETTINGS
@given(allocation_inputs(with_rate=False), st.data())
def test_adjustment_conserves_totals_and_caps_everyone_when_feasible(data, drawn):
    data = with_standalone_near_totals(data, drawn.draw)
    without_rate = {k: v for k, v in data.items() if k != "min_savings_rate"}
    before = allocate(parse_allocation_input(without_rate))
    rate = Decimal(data["min_savings_rate"])
    caps = [None if p.standalone_amount is None else math.floor(p.standalone_amount * (1 - rate))
            for p in before.participants]
    needed = sum(max(p.total - cap, 0) for p, cap in zip(before.participants, caps) if cap is not None)
    slack = sum(max(cap - p.total, 0) for p, cap in zip(before.participants, caps) if cap is not None)
    after = allocate_or_none(data)
    assert (after is None) == (slack < needed)  # infeasible exactly when slack is short
    event("infeasible" if after is None else "adjusted" if needed else "nobody over the cap")
    if after is None:
        return
    assert sum(p.adjustment for p in after.participants) == 0
    assert sum(p.total for p in after.participants) == sum(p.total for p in before.participants)
    for old, new, cap in zip(before.participants, after.participants, caps):
        assert new.total == old.total + new.adjustment
        if cap is None:
            assert new.adjustment == 0  # no cap: neither gives nor absorbs
        else:
            assert new.total <= cap
            assert new.adjustment >= 0 or new.total == cap  # only those over the cap are lowered, to it


# --------------------------------------------------------------------------- prices

@SETTINGS
@given(allocation_inputs(non_increasing=True, with_rate=False))
def test_group_price_never_exceeds_the_individual_price_when_tiers_fall(data):
    individual = allocate(parse_allocation_input({**data, "mode": "individual"}))
    for mode in ("pooled", "grouped"):
        result = allocate(parse_allocation_input({**data, "mode": mode}))
        for alone, together in zip(individual.participants, result.participants):
            assert together.unit_price <= alone.unit_price
    pooled = allocate(parse_allocation_input({**data, "mode": "pooled"}))
    assert len(pooled.groups) == 1 and pooled.groups[0].quantity == pooled.pooled_quantity


@SETTINGS
@given(allocation_inputs(with_rate=False))
def test_groups_are_in_increasing_quantity_and_cover_everyone_once(data):
    result = allocate(parse_allocation_input(data))
    members = [member for group in result.groups for member in group.members]
    assert sorted(members) == sorted(p["id"] for p in data["participants"])
    by_id = {p.id: p for p in result.participants}
    for index, group in enumerate(result.groups):
        assert all(by_id[member].group == index for member in group.members)
        assert group.quantity == sum((by_id[m].quantity for m in group.members), Decimal(0))
    if data["mode"] != "individual":
        spans = [(min(by_id[m].quantity for m in g.members), max(by_id[m].quantity for m in g.members))
                 for g in result.groups]
        assert all(high < next_low for (_, high), (next_low, _) in zip(spans, spans[1:]))
    if data["mode"] == "grouped":
        assert len(result.groups) <= (len(data.get("group_breaks") or []) + 1 if data.get("group_breaks")
                                      else data["max_groups"])


# --------------------------------------------------------------------------- order independence

def remainder_ties(data, result):
    """True when some largest-remainder split had equal fractions (then input order decides)."""
    for index, cost in enumerate(data["shared_costs"]):
        if has_tied_fractions(exact_shares(cost["amount"], cost["weights"], data["participants"])):
            return True
    if result is not None and data.get("min_savings_rate") is not None:
        slacks = [max(p.cap - (p.total - p.adjustment), 0) for p in result.participants if p.cap is not None]
        needed = -sum(min(p.adjustment, 0) for p in result.participants)
        if needed and has_tied_fractions([Fraction(needed * s, sum(slacks)) for s in slacks]):
            return True
    return False


@SETTINGS
@given(allocation_inputs(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_participant_order_except_input_order_ties(data, random):
    shuffled = dict(data, participants=random.sample(data["participants"], len(data["participants"])))
    first, second = allocate_or_none(data), allocate_or_none(shuffled)
    ties = remainder_ties(data, first) or remainder_ties(shuffled, second)
    event("remainder ties" if ties else "no ties")
    if ties and (first is None or second is None):
        return
    assert (first is None) == (second is None)
    if first is None:
        return
    group_of = lambda result: {p.id: (set(result.groups[p.group].members), p.unit_price, p.goods_amount)
                               for p in result.participants}
    assert group_of(first) == group_of(second)
    if not ties:
        totals = lambda result: {p.id: (p.shared_cost_shares, p.adjustment, p.total) for p in result.participants}
        assert totals(first) == totals(second)


# --------------------------------------------------------------------------- automatic grouping

small_quantities = st.lists(st.integers(0, 40).map(Decimal), min_size=0, max_size=12)


def within_group_squares(groups, quantities):
    total = Fraction(0)
    for group in groups:
        values = [Fraction(quantities[i]) for i in group]
        mean = sum(values) / len(values)
        total += sum((v - mean) ** 2 for v in values)
    return total


def brute_force_best(quantities, max_groups):
    """Smallest within-group sum of squares over every way to cut the distinct values."""
    distinct = sorted(set(quantities))
    group_count = min(max_groups, len(distinct))
    best = None
    for cuts in itertools.combinations(range(1, len(distinct)), group_count - 1):
        bounds = list(zip((0,) + cuts, cuts + (len(distinct),)))
        groups = [[i for i, q in enumerate(quantities) if distinct[a] <= q <= distinct[b - 1]] for a, b in bounds]
        cost = within_group_squares(groups, quantities)
        key = (cost, tuple(reversed(cuts)))  # ties: earliest last cut, then earlier ones
        best = key if best is None or key < best else best
    return best


@SETTINGS
@given(small_quantities, st.integers(1, 5))
def test_auto_groups_contiguous_equal_together_bounded_and_optimal(quantities, max_groups):
    groups = auto_groups(quantities, max_groups)
    assert sorted(i for group in groups for i in group) == list(range(len(quantities)))
    assert all(group == sorted(group) for group in groups)  # members in input order
    assert len(groups) == min(max_groups, len(set(quantities)))
    spans = [(min(quantities[i] for i in g), max(quantities[i] for i in g)) for g in groups]
    assert all(high < next_low for (_, high), (next_low, _) in zip(spans, spans[1:]))  # contiguous, equal together
    if quantities:
        best_cost, best_cuts = brute_force_best(quantities, max_groups)
        assert within_group_squares(groups, quantities) == best_cost
        distinct = sorted(set(quantities))
        cuts = tuple(reversed([distinct.index(min(quantities[i] for i in g)) for g in groups[1:]]))
        assert cuts == best_cuts


@SETTINGS
@given(st.lists(st.integers(0, 10**6).map(Decimal), min_size=0, max_size=60), st.integers(1, 6),
       st.randoms(use_true_random=False))
def test_auto_groups_deterministic_and_order_independent(quantities, max_groups, random):
    groups = auto_groups(quantities, max_groups)
    assert auto_groups(quantities, max_groups) == groups
    order = random.sample(range(len(quantities)), len(quantities))
    shuffled_groups = auto_groups([quantities[i] for i in order], max_groups)
    as_values = lambda gs, qs: [sorted(qs[i] for i in g) for g in gs]
    assert as_values(shuffled_groups, [quantities[i] for i in order]) == as_values(groups, quantities)


def reference_jenks_groups(quantities, max_groups):
    """Plain O(k d^2) dynamic programme over exact fractions (no divide-and-conquer shortcut)."""
    counts = {q: quantities.count(q) for q in set(quantities)}
    distinct = sorted(counts)
    if len(distinct) <= max_groups:
        return [[i for i, q in enumerate(quantities) if q == value] for value in distinct]

    def squares(start, end):  # within-group sum of squares of distinct[start:end]
        values = [(Fraction(v), counts[v]) for v in distinct[start:end]]
        n = sum(c for _, c in values)
        mean = sum(v * c for v, c in values) / n
        return sum(c * (v - mean) ** 2 for v, c in values)

    best = {(1, j): (squares(0, j), []) for j in range(1, len(distinct) + 1)}
    for groups in range(2, max_groups + 1):
        for end in range(groups, len(distinct) + 1):
            candidates = [(best[groups - 1, start][0] + squares(start, end), best[groups - 1, start][1] + [start])
                          for start in range(groups - 1, end)]
            best[groups, end] = min(candidates, key=lambda c: c[0])  # min() keeps the first: earliest cut
    cuts = best[max_groups, len(distinct)][1]
    bounds = zip([0] + cuts, cuts + [len(distinct)])
    return [[i for i, q in enumerate(quantities) if distinct[a] <= q <= distinct[b - 1]] for a, b in bounds]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30).map(Decimal), min_size=1, max_size=40), st.integers(1, 6))
def test_auto_groups_match_the_plain_dynamic_programme(quantities, max_groups):
    assert auto_groups(quantities, max_groups) == reference_jenks_groups(quantities, max_groups)

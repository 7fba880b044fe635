"""Cost shares (costshares.sharing): 4:6 equal/population split, the 30% guarantee."""
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from costshares.sharing import DEFAULT_WEIGHTS, CostItem, Member, SharingError, share_costs

ITEM = CostItem("組織運営費", D(1_000_000), DEFAULT_WEIGHTS)


def test_four_six_split_without_guarantee_adds_up_to_the_cost():
    members = [Member("A", 900_000, D(0), None), Member("B", 100_000, D(0), None)]
    a, b = share_costs(members, [ITEM], None)
    # equal 4/10 x 1/2 + population 6/10 x share: A = 200,000 + 540,000, B = 200,000 + 60,000
    assert (a.bill, b.bill) == (D(740_000), D(260_000))


def test_the_guarantee_lowers_a_ward_to_its_cap_and_recovers_the_shortfall_from_the_others():
    members = [Member("A", 500_000, D(3_000_000), D(10_000_000)),   # lots of room
               Member("B", 300_000, D(1_000_000), D(4_000_000)),
               Member("S", 10_000, D(600_000), D(1_000_000))]      # small: 600,000 + share > 700,000 cap
    shares = {s.ward: s for s in share_costs(members, [ITEM], D("0.30"))}
    small = shares["S"]
    assert small.joint_amount + small.bill == D(700_000) and small.adjustment < 0
    assert sum(s.bill for s in shares.values()) == D(1_000_000)
    assert shares["A"].adjustment + shares["B"].adjustment == -small.adjustment  # the recovered shortfall
    assert all(s.saving_rate >= D("0.30") for s in shares.values())


def test_a_guarantee_beyond_the_share_is_refused():
    members = [Member("A", 500_000, D(0), D(10_000_000)), Member("S", 10_000, D(900_000), D(1_000_000))]
    with pytest.raises(SharingError, match="0 円より下げる"):
        share_costs(members, [ITEM], D("0.30"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 1_000_000), st.integers(0, 5_000_000)), min_size=1, max_size=8),
       st.integers(0, 3_000_000))
def test_shares_always_add_up_to_the_costs(rows, amount):
    members = [Member(str(i), pop, D(joint), None) for i, (pop, joint) in enumerate(rows)]
    items = [CostItem("a", D(amount), DEFAULT_WEIGHTS), CostItem("b", D(12345), {"equal": D(1)})]
    shares = share_costs(members, items, None)
    assert sum(s.bill for s in shares) == D(amount) + D(12345)
    assert all(len(s.item_shares) == 2 for s in shares)

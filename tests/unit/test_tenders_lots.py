"""Lots of a pooled tender: coverage of demand, splitting, and the check before bidding."""
from hypothesis import given
from hypothesis import strategies as st

from tenders import lots
from tenders.lots import Lot


def test_a_lot_covers_its_patterns_wards_and_voltages_and_empty_means_all():
    notebooks = Lot("1", "ノート", patterns=frozenset({"std", "hi"}))
    east = Lot("2", "東部", wards=frozenset({"11", "12"}), voltages=frozenset({"高圧"}))
    assert notebooks.covers("99", pattern="std") and not notebooks.covers("99", pattern="desk")
    assert east.covers("11", voltage="高圧") and not east.covers("11", voltage="低圧")
    assert not east.covers("13", voltage="高圧")
    assert lots.WHOLE.covers("1", pattern="x") and lots.WHOLE.covers("1", voltage="低圧")


def test_assignment_names_demand_outside_every_lot_and_in_two_lots():
    chosen = [Lot("1", "A", wards=frozenset({"1", "2"})), Lot("2", "B", wards=frozenset({"2", "3"}))]
    placed, problems = lots.assignment(chosen, [("1", None, "低圧"), ("2", None, "高圧"), ("4", None, "低圧")])
    assert placed == {("1", None, "低圧"): "1"}
    assert problems == ["2 / 高圧: 複数のロット（1, 2）に含まれています", "4 / 低圧: どのロットにも含まれていません"]


def test_validate_requires_code_name_and_a_scope():
    assert lots.validate(Lot("", "", ), set()) == ["ロットのコードを入力してください", "ロットの名称を入力してください",
                                                  "ロットの範囲（パターン・区・電圧区分のいずれか）を選んでください"]
    assert lots.validate(Lot("1", "A", patterns=frozenset({"x"})), {"1"}) == ["ロット 1 は既にあります"]


keys = st.lists(st.tuples(st.sampled_from("123456"), st.sampled_from(["std", "hi", "desk"]), st.none()), max_size=30)


@given(keys, st.sampled_from([lots.BY_PATTERN, lots.BY_WARD]))
def test_splitting_by_every_value_places_each_demand_line_in_exactly_one_lot(demand, mode):
    values = sorted({(w if mode == lots.BY_WARD else p) for w, p, _ in demand})
    placed, problems = lots.assignment(lots.split(mode, [(v, v) for v in values]), demand)
    assert problems == [] and set(placed) == set(demand)
    for (ward, pattern, _), code in placed.items():
        assert values[int(code) - 1] == (ward if mode == lots.BY_WARD else pattern)


def test_split_by_voltage_and_unknown_mode():
    made = lots.split(lots.BY_VOLTAGE, [("低圧", "低圧"), ("高圧", "高圧")])
    assert [(m.code, m.voltages) for m in made] == [("1", frozenset({"低圧"})), ("2", frozenset({"高圧"}))]
    try:
        lots.split("size", [])
    except ValueError as exc:
        assert "分割の方法" in str(exc)
    else:
        raise AssertionError("an unknown split mode must be refused")


def test_share_gives_a_lot_its_pc_or_facility_demand():
    from decimal import Decimal

    from tenders.evaluation import FacilityDemand, PcDemand

    pcs = [PcDemand("1", "std", (), 5), PcDemand("2", "hi", (), 3), PcDemand("1", "hi", (), 2)]
    assert lots.share(Lot("a", "hi", patterns=frozenset({"hi"})), pcs) == pcs[1:]
    assert lots.share(Lot("b", "区1", wards=frozenset({"1"})), pcs) == [pcs[0], pcs[2]]
    kwh = (Decimal(1),) * 12
    sites = [FacilityDemand("1", "本庁舎", "高圧", Decimal(10), Decimal(100), kwh),
             FacilityDemand("1", "出張所", "低圧", Decimal(5), Decimal(90), kwh)]
    assert lots.share(Lot("c", "低圧", voltages=frozenset({"低圧"})), sites) == sites[1:]
    assert lots.share(lots.WHOLE, sites) == sites

"""A ward's 環境配慮 scoring table as typed on its tender page (pure): full-width digits, every
problem named by criterion and band, and a table that passes can always be scored sensibly."""
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from tenders import environment_table as et
from tenders.eligibility import Criterion, environmental_score

D = Decimal
DEFAULT = [Criterion("co2", False, ((D("0.300"), D(50)), (D("0.450"), D(30)), (D("0.600"), D(10)))),
           Criterion("renewable", True, ((D(30), D(30)), (D(10), D(15)))),
           Criterion("unused", True, ((D(1), D(20)),))]


def form(threshold="70", **bands):
    """env-* fields: bands given as co2=[("0.3", "50"), ...]; criteria not given are left blank."""
    values = {et.THRESHOLD_FIELD: threshold}
    for name, rows in bands.items():
        for band, (bound, points) in enumerate(rows, start=1):
            values[et.field(name, band, "bound")], values[et.field(name, band, "points")] = bound, points
    return values


def problems_of(values) -> dict[str, list[str]]:
    with pytest.raises(et.TableError) as caught:
        et.read_form(values)
    found = {}
    for problem in caught.value.problems:
        found.setdefault(problem.field, []).append(problem.message)
    assert str(caught.value) == "\n".join(p.message for p in caught.value.problems)
    return found


def test_pure_module_needs_no_web_stack():
    import subprocess
    from pathlib import Path

    code = ("import sys, tenders.environment_table; "
            "sys.exit(any(m.split('.')[0] in ('flask', 'flask_babel', 'sqlalchemy') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2]).returncode == 0


def test_full_width_digits_units_and_blank_bands():
    threshold, table = et.read_form(form("７０", co2=[("０．３００", "５０"), ("0.450", "３０点"), ("０.６", "10")],
                                         renewable=[("３０％", "30"), ("10%", "15"), ("", "")],
                                         unused=[("１", "２０")]))
    assert threshold == D(70)
    assert table == [Criterion("co2", False, ((D("0.300"), D(50)), (D("0.450"), D(30)), (D("0.6"), D(10)))),
                     Criterion("renewable", True, ((D(30), D(30)), (D(10), D(15)))),
                     Criterion("unused", True, ((D(1), D(20)),))]
    assert et.to_json(table)[0] == {"name": "co2", "higher_is_better": False,
                                    "bands": [["0.300", "50"], ["0.450", "30"], ["0.6", "10"]]}


def test_a_criterion_left_blank_gives_no_points():
    threshold, table = et.read_form(form("50", co2=[("0.3", "60")]))
    assert [c.bands for c in table] == [((D("0.3"), D(60)),), (), ()]
    assert et.max_points(table) == 60
    assert environmental_score({"co2": D("0.2"), "renewable": D(100)}, table) == 60


def test_negative_points_name_criterion_and_band():
    found = problems_of(form(co2=[("0.3", "50"), ("0.45", "-5")], renewable=[("30", "30")], unused=[("1", "20")]))
    (message,) = found[et.field("co2", 2, "points")]
    assert message.startswith("CO2 排出係数 第2段階") and "負" in message and "-5" in message


def test_bounds_must_make_the_first_band_the_best():
    found = problems_of(form(co2=[("0.45", "50"), ("0.30", "30")],            # lower is better: must increase
                             renewable=[("10", "30"), ("30", "15")],          # higher is better: must decrease
                             unused=[("1", "20"), ("1", "10")]))              # equal: band 2 unreachable
    co2 = found[et.field("co2", 2, "bound")][0]
    assert "CO2 排出係数 第2段階" in co2 and "第1段階（0.45）より大きく" in co2 and "第1段階が最も良い" in co2
    renewable = found[et.field("renewable", 2, "bound")][0]
    assert "再生可能エネルギー比率 第2段階" in renewable and "第1段階（10）より小さく" in renewable
    assert "第1段階（1）より小さく" in found[et.field("unused", 2, "bound")][0]
    assert et.THRESHOLD_FIELD not in found  # the reachability check waits until the bands are right


def test_a_worse_band_may_not_give_more_points():
    found = problems_of(form(co2=[("0.3", "30"), ("0.45", "50")], renewable=[("30", "30")], unused=[("1", "20")]))
    message = found[et.field("co2", 2, "points")][0]
    assert "点数 50 点が第1段階（30 点）より多く" in message
    # Equal points are allowed (the lower band is merely redundant).
    et.read_form(form(co2=[("0.3", "50"), ("0.45", "50")], renewable=[("30", "30")]))


def test_threshold_no_supplier_could_reach():
    found = problems_of(form("90", co2=[("0.3", "40")], renewable=[("30", "30")], unused=[("1", "10")]))
    assert list(found) == [et.THRESHOLD_FIELD]
    (message,) = found[et.THRESHOLD_FIELD]
    assert "基準点 90 点" in message and "最高点は 80 点" in message and "どの事業者も基準に届かない" in message
    et.read_form(form("80", co2=[("0.3", "40")], renewable=[("30", "30")], unused=[("1", "10")]))  # exactly reachable


@pytest.mark.parametrize("values, field, expected", [
    (form(co2=[("abc", "50")]), et.field("co2", 1, "bound"), "CO2 排出係数 第1段階の基準値: 「abc」は数値ではありません"),
    (form(co2=[("0.3", "五十")]), et.field("co2", 1, "points"), "CO2 排出係数 第1段階の点数: 「五十」は数値ではありません"),
    (form(co2=[("0.3", "")]), et.field("co2", 1, "points"), "CO2 排出係数 第1段階: 点数を入力してください"),
    (form(renewable=[("", "30")]), et.field("renewable", 1, "bound"), "再生可能エネルギー比率 第1段階: 基準値を入力してください"),
    (form(renewable=[("", ""), ("10", "15")]), et.field("renewable", 1, "bound"), "第1段階が空欄のまま第2段階"),
    (form(renewable=[("120", "30")]), et.field("renewable", 1, "bound"), "基準値は 0〜100%"),
    (form(co2=[("-0.1", "50")]), et.field("co2", 1, "bound"), "基準値が負です"),
    (form(unused=[("1", "2000")]), et.field("unused", 1, "points"), "1,000 点以下"),
    (form(unused=[("1", "20.125")]), et.field("unused", 1, "points"), "小数第2位まで"),
    (form(""), et.THRESHOLD_FIELD, "基準点を入力してください"),
    (form("-1"), et.THRESHOLD_FIELD, "基準点が負です"),
    (form("七十"), et.THRESHOLD_FIELD, "基準点: 「七十」は数値ではありません"),
])
def test_each_problem_is_specific(values, field, expected):
    found = problems_of(values)
    assert any(expected in message for message in found.get(field, [])), found


def test_every_problem_is_reported_at_once():
    found = problems_of(form("abc", co2=[("0.3", "-1")], renewable=[("x", "30")], unused=[("1", "")]))
    assert set(found) == {et.THRESHOLD_FIELD, et.field("co2", 1, "points"), et.field("renewable", 1, "bound"),
                          et.field("unused", 1, "points")}


def test_check_refuses_what_the_form_cannot_express():
    too_many = Criterion("co2", False, tuple((D(i), D(10 - i)) for i in range(4)))
    messages = [p.message for p in et.check(D(10), [too_many, Criterion("renewable", False, ()),
                                                    Criterion("nuclear", True, ()), Criterion("co2", False, ())])]
    assert any("段階は 3 つまで" in m for m in messages)
    assert any("再生可能エネルギー比率: 評価の向きが違います" in m for m in messages)
    assert any("「nuclear」はありません" in m for m in messages)
    assert any("重複" in m for m in messages)
    assert et.check(D(70), DEFAULT) == []


def test_form_values_show_a_saved_table():
    values = et.form_values(D("70.0000"), DEFAULT)
    assert values[et.THRESHOLD_FIELD] == "70"
    assert values[et.field("co2", 1, "bound")] == "0.300" and values[et.field("co2", 3, "points")] == "10"
    assert values[et.field("renewable", 3, "bound")] == "" and values[et.field("unused", 2, "points")] == ""
    assert et.read_form(values) == (D(70), DEFAULT)
    assert et.from_json(et.to_json(DEFAULT)) == DEFAULT


# --- properties ---------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
hundredths = st.integers(min_value=-500, max_value=12000).map(lambda n: Decimal(n) / 100)


@st.composite
def valid_tables(draw):
    """Tables a ward may save: bounds strictly ordered best first, points >= 0 and not rising."""
    table = []
    for spec in et.CRITERIA:
        count = draw(st.integers(0, et.MAX_BANDS))
        top = 100 if spec.maximum else 2000
        bounds = sorted(draw(st.lists(st.integers(0, top), min_size=count, max_size=count, unique=True)),
                        reverse=spec.higher_is_better)
        points = sorted(draw(st.lists(st.integers(0, 5000), min_size=count, max_size=count)), reverse=True)
        scale = Decimal(1000) if spec.maximum is None else Decimal(1)  # co2 bounds like 0.305 kg-CO2/kWh
        table.append(Criterion(spec.name, spec.higher_is_better,
                               tuple((Decimal(b) / scale, Decimal(p) / 100) for b, p in zip(bounds, points))))
    best = et.max_points(table)
    threshold = Decimal(draw(st.integers(0, int(best * 100)))) / 100
    return threshold, table


@st.composite
def any_tables(draw):
    """Anything of the right shape: unordered bounds, negative or rising points, any threshold."""
    table = [Criterion(spec.name, spec.higher_is_better,
                       tuple(draw(st.lists(st.tuples(hundredths, hundredths), max_size=et.MAX_BANDS))))
             for spec in et.CRITERIA]
    return draw(hundredths), table


@st.composite
def nearly_valid_tables(draw):
    """A valid table with one thing broken (or not, when the change happens to be harmless):
    two bands swapped, a negative points value, equal bounds, a threshold above the maximum."""
    threshold, table = draw(valid_tables())
    index = draw(st.integers(0, len(table) - 1))
    bands = list(table[index].bands)
    change = draw(st.sampled_from(["swap_points", "swap_bounds", "negative", "equal_bounds", "threshold"]))
    if change == "threshold":
        return Decimal(int(et.max_points(table) * 100) + draw(st.integers(1, 1000))) / 100, table
    if len(bands) < 2 and change != "negative" or not bands:
        return threshold, table
    i = draw(st.integers(0, len(bands) - 2)) if len(bands) > 1 else 0
    if change == "swap_points":
        (b1, p1), (b2, p2) = bands[i], bands[i + 1]
        bands[i], bands[i + 1] = (b1, p2), (b2, p1)
    elif change == "swap_bounds":
        (b1, p1), (b2, p2) = bands[i], bands[i + 1]
        bands[i], bands[i + 1] = (b2, p1), (b1, p2)
    elif change == "equal_bounds":
        bands[i + 1] = (bands[i][0], bands[i + 1][1])
    else:
        bands[i] = (bands[i][0], -Decimal(draw(st.integers(1, 5000))) / 100)
    table[index] = Criterion(table[index].name, table[index].higher_is_better, tuple(bands))
    return threshold, table


TABLES = st.one_of(valid_tables(), nearly_valid_tables(), any_tables())


@settings(max_examples=200)
@given(valid_tables())
def test_a_valid_table_saves_and_reads_back_also_in_full_width(case):
    threshold, table = case
    assert et.check(threshold, table) == []
    values = et.form_values(threshold, table)
    assert et.read_form(values) == (threshold, table)
    assert et.read_form({k: v.translate(FULL_WIDTH) for k, v in values.items()}) == (threshold, table)
    assert et.from_json(et.to_json(table)) == table


@settings(max_examples=300)
@given(TABLES)
def test_form_and_service_checks_agree(case):
    """The page (read_form) and the service (check) accept and refuse exactly the same tables,
    with the same messages."""
    threshold, table = case
    expected = et.check(threshold, table)
    values = et.form_values(threshold, table)
    if not expected:
        assert et.read_form(values) == (threshold, table)
    else:
        with pytest.raises(et.TableError) as caught:
            et.read_form(values)
        assert list(caught.value.problems) == expected


@settings(max_examples=300)
@given(TABLES, st.lists(st.tuples(hundredths, hundredths), min_size=3, max_size=3))
def test_a_table_that_passes_scores_sensibly(case, pairs):
    """Whatever a ward saves: the best supplier gets exactly the table's maximum, which reaches
    the threshold (someone can pass), and a better value never scores less than a worse one."""
    threshold, table = case
    if et.check(threshold, table):
        return
    best = {c.name: c.bands[0][0] for c in table if c.bands}
    assert environmental_score(best, table) == et.max_points(table) >= threshold
    for criterion, (a, b) in zip(table, pairs):
        better, worse = (max(a, b), min(a, b)) if criterion.higher_is_better else (min(a, b), max(a, b))
        assert environmental_score({criterion.name: better}, [criterion]) >= \
            environmental_score({criterion.name: worse}, [criterion])


def test_one_mistake_is_reported_once():
    found = problems_of(form(renewable=[("30", "-5"), ("10", "15")]))
    assert list(found) == [et.field("renewable", 1, "points")]      # not also "band 2 gives more than band 1"

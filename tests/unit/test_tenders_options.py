"""Option tiers of a spec pattern: the office's text, and one tier per group in a demand line."""
from hypothesis import given
from hypothesis import strategies as st

from tenders import options


def test_parse_groups_tiers_and_reports_each_bad_entry():
    parsed, problems = options.parse("メモリ:mem16=16GB、メモリ：mem32＝32GB, office=Office 2024")
    assert problems == []
    assert parsed == [{"code": "mem16", "name": "16GB", "group": "メモリ"},
                      {"code": "mem32", "name": "32GB", "group": "メモリ"}, {"code": "office", "name": "Office 2024"}]
    assert options.groups(parsed) == {"メモリ": parsed[:2]}
    _, problems = options.parse("mem16, メモリ:=16GB, ｍｅｍ=全角, a=1, a=2")
    assert [p.split(":")[0] for p in problems] == ["オプション 1 番目「mem16」", "オプション 2 番目「メモリ", "オプション 3 番目",
                                                   "オプション 5 番目"]
    assert "半角英数字" in problems[2] and "重複" in problems[3]


def test_one_tier_per_group_and_known_codes_only():
    parsed, _ = options.parse("メモリ:m16=16GB, メモリ:m32=32GB, 保証:w3=3年, 保証:w5=5年, office=Office")
    assert options.choice_problems(parsed, ["m32", "w5", "office"]) == []
    assert options.choice_problems(parsed, ["m16", "m32", "x"]) == [
        "オプション x はこのパターンにありません", "メモリ は1つだけ選んでください（16GB、32GB）"]


codes = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=6, unique=True)


@given(codes, st.lists(st.sampled_from(["", "メモリ", "保証"]), min_size=6, max_size=6))
def test_written_options_read_back_exactly(written, groups):
    entries = [{"code": c, "name": f"名称{i}", **({"group": g} if g else {})} for i, (c, g) in enumerate(zip(written, groups))]
    text = "、".join(f"{e['group'] + ':' if 'group' in e else ''}{e['code']}={e['name']}" for e in entries)
    assert options.parse(text) == (entries, [])

"""Lots (分割発注) of a pooled tender (pure): which share of the demand each lot covers, splitting
by spec pattern, by ward group or by voltage class, and the check that every demand line falls in
exactly one lot before bidding opens. A tender without lots is one lot covering everything."""
from __future__ import annotations

from dataclasses import dataclass

BY_PATTERN, BY_WARD, BY_VOLTAGE = "pattern", "ward", "voltage"


@dataclass(frozen=True)
class Lot:
    code: str
    name: str
    patterns: frozenset[str] = frozenset()   # empty = every pattern (or item)
    wards: frozenset[str] = frozenset()      # empty = every participating ward
    voltages: frozenset[str] = frozenset()   # empty = every voltage class

    def covers(self, ward: str, pattern: str | None = None, voltage: str | None = None) -> bool:
        return ((not self.wards or ward in self.wards)
                and (pattern is None or not self.patterns or pattern in self.patterns)
                and (voltage is None or not self.voltages or voltage in self.voltages))


WHOLE = Lot("", "全体")


def share(lot: Lot, demands: list) -> list:
    """The demand lines (evaluation.PcDemand or FacilityDemand) the lot covers."""
    return [d for d in demands if lot.covers(d.ward, getattr(d, "pattern", None), getattr(d, "voltage", None))]


def validate(lot: Lot, existing_codes: set[str]) -> list[str]:
    problems = []
    if not lot.code.strip():
        problems.append("ロットのコードを入力してください")
    elif lot.code in existing_codes:
        problems.append(f"ロット {lot.code} は既にあります")
    if not lot.name.strip():
        problems.append("ロットの名称を入力してください")
    if not (lot.patterns or lot.wards or lot.voltages):
        problems.append("ロットの範囲（パターン・区・電圧区分のいずれか）を選んでください")
    return problems


def assignment(lots: list[Lot], demand: list[tuple[str, str | None, str | None]],
               describe=lambda key: " / ".join(k for k in key if k)) -> tuple[dict, list[str]]:
    """Each demand key (ward, pattern, voltage) to the code of the one lot covering it, and the
    problems: a key no lot covers, or that two lots cover (it would be awarded twice)."""
    placed, problems = {}, []
    for key in dict.fromkeys(demand):
        covering = [lot.code for lot in lots if lot.covers(*key)]
        if not covering:
            problems.append(f"{describe(key)}: どのロットにも含まれていません")
        elif len(covering) > 1:
            problems.append(f"{describe(key)}: 複数のロット（{', '.join(covering)}）に含まれています")
        else:
            placed[key] = covering[0]
    return placed, problems


def split(mode: str, values: list[tuple[str, str]]) -> list[Lot]:
    """One lot per value: `values` are (code, label) of patterns, wards or voltage classes."""
    if mode not in (BY_PATTERN, BY_WARD, BY_VOLTAGE):
        raise ValueError(f"分割の方法が不明です: {mode}")
    made = []
    for index, (value, label) in enumerate(values, start=1):
        only = frozenset({value})
        made.append(Lot(str(index), label, patterns=only if mode == BY_PATTERN else frozenset(),
                        wards=only if mode == BY_WARD else frozenset(),
                        voltages=only if mode == BY_VOLTAGE else frozenset()))
    return made

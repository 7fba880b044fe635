"""A ward's environmental scoring table (環境配慮) as the ward types it (pure): read the form,
check it, and say exactly what is wrong — which criterion, which band, why. Nothing here knows
about Flask or the database.

A criterion has up to MAX_BANDS bands (bound, points), read top-down: a supplier gets the points
of the first band its value reaches (tenders.eligibility.environmental_score). So the first band
must be the best one: the strictest bound and the most points."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from procure.textnorm import parse_decimal
from tenders.eligibility import Criterion

MAX_BANDS = 3
MAX_POINTS = Decimal(1000)      # per band: a table is ~100 points; also keeps the threshold column in range
POINT_PLACES = 2                # points and threshold: at most 2 decimal places
THRESHOLD_FIELD = "env-threshold"


@dataclass(frozen=True)
class Spec:
    name: str
    label: str
    unit: str
    higher_is_better: bool
    maximum: Decimal | None     # every bound is >= 0


CRITERIA = (
    Spec("co2", "CO2 排出係数", "kg-CO2/kWh", False, None),
    Spec("renewable", "再生可能エネルギー比率", "%", True, Decimal(100)),
    Spec("unused", "未利用エネルギー活用", "%", True, Decimal(100)),
)
SPECS = {spec.name: spec for spec in CRITERIA}


@dataclass(frozen=True)
class Problem:
    field: str      # the form field to point at (field() or THRESHOLD_FIELD)
    message: str


class TableError(ValueError):
    """Every problem found; str() is one message a line."""

    def __init__(self, problems):
        self.problems = tuple(problems)
        super().__init__("\n".join(p.message for p in self.problems))


def field(name: str, band: int, part: str) -> str:
    """The form field of one band's 'bound' or 'points' (band counts from 1)."""
    return f"env-{name}-{band}-{part}"


def max_points(table: list[Criterion]) -> Decimal:
    """The most a supplier can score with this table."""
    return sum((max((Decimal(p) for _, p in c.bands), default=Decimal(0)) for c in table), Decimal(0))


# --- checking a parsed table ---------------------------------------------------------------

def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _band_problems(spec: Spec, bands) -> list[Problem]:
    """Each band on its own (sign, range), then against the band before it (order), the latter
    only where both are fine on their own, so that one mistake is reported once."""
    found, fine = [], []
    better = "高いほど良い" if spec.higher_is_better else "低いほど良い"
    for band, (bound, points) in enumerate(bands, start=1):
        where, before = f"{spec.label} 第{band}段階", len(found)
        if points < 0:
            found.append(Problem(field(spec.name, band, "points"), f"{where}: 点数が負です（{points} 点）。0 以上にしてください"))
        elif points > MAX_POINTS:
            found.append(Problem(field(spec.name, band, "points"),
                                 f"{where}: 点数は {MAX_POINTS:,} 点以下にしてください（{points} 点）"))
        elif _places(points) > POINT_PLACES:
            found.append(Problem(field(spec.name, band, "points"),
                                 f"{where}: 点数は小数第{POINT_PLACES}位までにしてください（{points}）"))
        if bound < 0:
            found.append(Problem(field(spec.name, band, "bound"), f"{where}: 基準値が負です（{bound}）。0 以上にしてください"))
        elif spec.maximum is not None and bound > spec.maximum:
            found.append(Problem(field(spec.name, band, "bound"),
                                 f"{where}: 基準値は 0〜{spec.maximum}{spec.unit} にしてください（{bound}）"))
        fine.append(len(found) == before)
        if band == 1 or not (fine[-1] and fine[-2]):
            continue
        previous_bound, previous_points = bands[band - 2]
        if spec.higher_is_better and not bound < previous_bound:
            found.append(Problem(field(spec.name, band, "bound"),
                                 f"{where}: 基準値 {bound} は第{band - 1}段階（{previous_bound}）より小さくしてください。"
                                 f"{spec.label}は{better}ので、第1段階が最も良い段階です"))
        elif not spec.higher_is_better and not bound > previous_bound:
            found.append(Problem(field(spec.name, band, "bound"),
                                 f"{where}: 基準値 {bound} は第{band - 1}段階（{previous_bound}）より大きくしてください。"
                                 f"{spec.label}は{better}ので、第1段階が最も良い段階です"))
        if points > previous_points:
            found.append(Problem(field(spec.name, band, "points"),
                                 f"{where}: 点数 {points} 点が第{band - 1}段階（{previous_points} 点）より多くなっています。"
                                 f"良い段階ほど点数を多く（少なくとも同じに）してください"))
    return found


def _threshold_problems(threshold: Decimal) -> list[Problem]:
    if threshold < 0:
        return [Problem(THRESHOLD_FIELD, f"基準点が負です（{threshold} 点）。0 以上にしてください")]
    if _places(threshold) > POINT_PLACES:
        return [Problem(THRESHOLD_FIELD, f"基準点は小数第{POINT_PLACES}位までにしてください（{threshold}）")]
    return []


def _achievable_problems(threshold: Decimal, table: list[Criterion]) -> list[Problem]:
    best = max_points(table)
    if best < threshold:
        return [Problem(THRESHOLD_FIELD, f"基準点 {threshold} 点に対し、この評価表で取れる最高点は {best} 点です。"
                                         "どの事業者も基準に届かないため、基準点を下げるか配点を増やしてください")]
    return []


def check(threshold: Decimal, table: list[Criterion]) -> list[Problem]:
    """Every problem of a parsed threshold and table; [] when it may be saved."""
    found = _threshold_problems(threshold)
    seen = set()
    for criterion in table:
        spec = SPECS.get(criterion.name)
        if spec is None:
            found.append(Problem(THRESHOLD_FIELD, f"評価項目「{criterion.name}」はありません"))
            continue
        if criterion.name in seen:
            found.append(Problem(field(spec.name, 1, "bound"), f"{spec.label}: 評価項目が重複しています"))
            continue
        seen.add(criterion.name)
        if criterion.higher_is_better != spec.higher_is_better:
            found.append(Problem(field(spec.name, 1, "bound"),
                                 f"{spec.label}: 評価の向きが違います（{'高い' if spec.higher_is_better else '低い'}ほど良い項目です）"))
        if len(criterion.bands) > MAX_BANDS:
            found.append(Problem(field(spec.name, MAX_BANDS, "bound"), f"{spec.label}: 段階は {MAX_BANDS} つまでです"))
        found += _band_problems(spec, [(Decimal(b), Decimal(p)) for b, p in criterion.bands])
    if not found:
        found += _achievable_problems(threshold, table)
    return found


# --- reading the form ----------------------------------------------------------------------

def _blank(text) -> bool:
    return not unicodedata.normalize("NFKC", text or "").strip()


def _number(text: str, where: str, target: str, problems: list[Problem]) -> Decimal | None:
    """Full-width digits accepted ('０．３', '３０％', '５０点')."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    for suffix in ("%", "点"):
        cleaned = cleaned.removesuffix(suffix).strip()
    try:
        return parse_decimal(cleaned)
    except ValueError:
        problems.append(Problem(target, f"{where}: 「{text.strip()}」は数値ではありません"))
        return None


def read_form(form: Mapping[str, str]) -> tuple[Decimal, list[Criterion]]:
    """The threshold and table typed on the ward's tender page, or TableError with every
    problem (which criterion, which band, why). Blank bands are not used; a criterion without
    any band gives no points."""
    problems: list[Problem] = []
    threshold = None
    if _blank(form.get(THRESHOLD_FIELD)):
        problems.append(Problem(THRESHOLD_FIELD, "基準点を入力してください"))
    else:
        threshold = _number(form.get(THRESHOLD_FIELD, ""), "基準点", THRESHOLD_FIELD, problems)
        if threshold is not None:
            problems += _threshold_problems(threshold)
    table = []
    for spec in CRITERIA:
        before = len(problems)
        bands, empty_band = [], None
        for band in range(1, MAX_BANDS + 1):
            where = f"{spec.label} 第{band}段階"
            bound_text = form.get(field(spec.name, band, "bound"), "")
            points_text = form.get(field(spec.name, band, "points"), "")
            if _blank(bound_text) and _blank(points_text):
                empty_band = empty_band or band
                continue
            if empty_band:
                problems.append(Problem(field(spec.name, empty_band, "bound"),
                                        f"{spec.label} 第{empty_band}段階が空欄のまま第{band}段階が入力されています。"
                                        "段階は第1段階から順に詰めて入力してください"))
                empty_band = None
            if _blank(bound_text):
                problems.append(Problem(field(spec.name, band, "bound"), f"{where}: 基準値を入力してください"))
                continue
            if _blank(points_text):
                problems.append(Problem(field(spec.name, band, "points"), f"{where}: 点数を入力してください"))
                continue
            bound = _number(bound_text, f"{where}の基準値", field(spec.name, band, "bound"), problems)
            points = _number(points_text, f"{where}の点数", field(spec.name, band, "points"), problems)
            if bound is not None and points is not None:
                bands.append((bound, points))
        if len(problems) == before:  # order and sign only make sense on a complete, numeric criterion
            problems += _band_problems(spec, bands)
        table.append(Criterion(spec.name, spec.higher_is_better, tuple(bands)))
    if not problems:
        problems += _achievable_problems(threshold, table)
    if problems:
        raise TableError(problems)
    return threshold, table


# --- storing and showing -------------------------------------------------------------------

def to_json(table: list[Criterion]) -> list[dict]:
    """As TenderWard.environmental_table stores it (decimal strings)."""
    return [{"name": c.name, "higher_is_better": c.higher_is_better,
             "bands": [[str(bound), str(points)] for bound, points in c.bands]} for c in table]


def from_json(rows: list[dict]) -> list[Criterion]:
    return [Criterion(row["name"], bool(row["higher_is_better"]),
                      tuple((Decimal(str(b)), Decimal(str(p))) for b, p in row["bands"])) for row in rows]


def form_values(threshold: Decimal, table: list[Criterion]) -> dict[str, str]:
    """The form fields that show this threshold and table (blank for unused bands)."""
    values = {THRESHOLD_FIELD: _plain(threshold, trim=True)}
    by_name = {c.name: c for c in table}
    for spec in CRITERIA:
        bands = by_name[spec.name].bands if spec.name in by_name else ()
        for band in range(1, MAX_BANDS + 1):
            bound, points = bands[band - 1] if band <= len(bands) else ("", "")
            values[field(spec.name, band, "bound")] = _plain(bound)
            values[field(spec.name, band, "points")] = _plain(points)
    return values


def _plain(value, trim: bool = False) -> str:
    """Bounds and points as typed ('0.300'); the threshold from its Money column as '70', not '70.0000'."""
    if value == "" or value is None:
        return ""
    value = Decimal(value)
    if trim:
        value = value.normalize()
    return format(value, "f")

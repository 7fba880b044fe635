"""Monthly units as xlsx (pure): one row per ward and month, 年月 | 区 | 件数, the ward by its code
(131130) or name (渋谷区). Every bad row and field is reported; the caller stores nothing unless the
whole file is clean."""
from __future__ import annotations

from dataclasses import dataclass

from fees.pricing import MAX_UNITS
from procure import sheets

HEADERS = ["年月", "区", "件数"]  # FIELDS below, in this order
LIMITS = sheets.SheetLimits(max_rows=2_000, max_columns=20, max_cell_chars=100,
                            max_member_bytes=5 * 2 ** 20, max_total_bytes=20 * 2 ** 20)


@dataclass(frozen=True)
class UnitsRow:
    row: int
    year: int
    month: int
    ward: str       # code or name, resolved by the service
    units: int


FIELDS = (("年月", sheets.year_month), ("区", lambda v: sheets.text(v, 20)),
          ("件数", lambda v: sheets.integer(v, 0, MAX_UNITS)))


def read_units(data: bytes) -> tuple[list[UnitsRow], list[str]]:
    """(rows, errors); errors name the row and the column. A refused file is one error."""
    parsed, errors = sheets.parsed_rows(data, LIMITS, FIELDS)
    rows, seen = [], {}
    for number, values, complete in parsed:
        if not complete:
            continue
        (year, month), ward = values["年月"], values["区"]
        if (year, month, ward) in seen:
            errors.append(f"{number}行目: {year}年{month}月の{ward}は {seen[year, month, ward]}行目にもあります")
            continue
        seen[year, month, ward] = number
        rows.append(UnitsRow(number, year, month, ward, values["件数"]))
    if not rows and not errors:
        errors.append("件数の行がありません")
    return (rows if not errors else []), errors

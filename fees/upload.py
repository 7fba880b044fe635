"""Monthly units as xlsx (pure): one row per ward and month, 年月 | 区 | 件数, the ward by its code
(131130) or name (渋谷区). Every bad row and field is reported; the caller stores nothing unless the
whole file is clean."""
from __future__ import annotations

from dataclasses import dataclass

from fees.pricing import MAX_UNITS
from procure import sheets

HEADERS = ["年月", "区", "件数"]
LIMITS = sheets.SheetLimits(max_rows=2_000, max_columns=20, max_cell_chars=100,
                            max_member_bytes=5 * 2 ** 20, max_total_bytes=20 * 2 ** 20)


@dataclass(frozen=True)
class UnitsRow:
    row: int
    year: int
    month: int
    ward: str       # code or name, resolved by the service
    units: int


def read_units(data: bytes) -> tuple[list[UnitsRow], list[str]]:
    """(rows, errors); errors name the row and the column. A refused file is one error."""
    rows, errors, seen = [], [], {}
    try:
        with sheets.SheetReader(data, LIMITS) as reader:
            lines = iter(reader)
            _, header = next(lines, (1, ()))
            index, missing = sheets.header_index(header, HEADERS)
            if missing:
                return [], ["1行目に必須の列がありません: " + "、".join(missing)]
            for number, values in lines:
                cells = {name: values[i] if i < len(values) else None for name, i in index.items()}
                if sheets.is_blank(cells.values()):
                    continue
                problems, parsed = [], {}
                for name, parse in (("年月", sheets.year_month), ("区", lambda v: sheets.text(v, 20)),
                                    ("件数", lambda v: sheets.integer(v, 0, MAX_UNITS))):
                    try:
                        parsed[name] = parse(cells[name])
                    except ValueError as exc:
                        problems.append(f"{number}行目「{name}」: {exc}")
                if problems:
                    errors += problems
                    continue
                (year, month), ward = parsed["年月"], parsed["区"]
                key = (year, month, ward)
                if key in seen:
                    errors.append(f"{number}行目: {year}年{month}月の{ward}は {seen[key]}行目にもあります")
                    continue
                seen[key] = number
                rows.append(UnitsRow(number, year, month, ward, parsed["件数"]))
    except sheets.SheetFileError as exc:
        return [], [str(exc)]
    if not rows and not errors:
        errors.append("件数の行がありません")
    return (rows if not errors else []), errors

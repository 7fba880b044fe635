"""A ward's electricity facilities as xlsx (pure): name, voltage class, contract kW, power factor
and planned kWh for each month April..March. Every bad row and field is reported."""
from __future__ import annotations

from decimal import Decimal

import openpyxl

from procure import sheets
from procure.exports import append_row

MONTHS = ("4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月")
HEADERS = ("施設名", "電圧区分", "契約電力（kW）", "力率（%）") + tuple(f"{m}（kWh）" for m in MONTHS)
VOLTAGES = ("低圧", "高圧", "特別高圧")
MAX_ROWS = 5000


def template_workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "施設"
    append_row(sheet, HEADERS)
    append_row(sheet, ("渋谷区役所 本庁舎", "高圧", 850, 100) + (180000,) * 12)
    return book


LIMITS = sheets.SheetLimits(max_rows=MAX_ROWS, max_columns=30, max_member_bytes=10 * 2 ** 20,
                            max_total_bytes=30 * 2 ** 20)
MAX_KW = Decimal(10) ** 7
MAX_KWH = Decimal(10) ** 10


def _voltage(value) -> str:
    voltage = sheets.text(value, 10)
    if voltage not in VOLTAGES:
        raise ValueError(f"低圧・高圧・特別高圧のいずれかにしてください（{voltage}）")
    return voltage


def _power_factor(value) -> Decimal:
    number = sheets.decimal(value, Decimal(0), Decimal(100), 2)
    if number == 0:
        raise ValueError("0 より大きく 100 以下にしてください")
    return number


FIELDS = ((("施設名", lambda v: sheets.text(v, 200)), ("電圧区分", _voltage),
           ("契約電力（kW）", lambda v: sheets.decimal(v, Decimal(0), MAX_KW, 2)), ("力率（%）", _power_factor))
          + tuple((f"{m}（kWh）", lambda v: sheets.decimal(v, Decimal(0), MAX_KWH, 2)) for m in MONTHS))


def read_facilities(data: bytes) -> tuple[list[dict], list[str]]:
    """(facilities, errors): every bad row and field named; nothing unless the whole file is clean.
    Read by the shared hostile-file reader (procure.sheets) and its field parsers."""
    facilities, errors, names = [], [], {}
    try:
        with sheets.SheetReader(data, LIMITS) as reader:
            rows = iter(reader)
            _, header = next(rows, (1, ()))
            index, missing = sheets.header_index(header, list(HEADERS))
            if missing:
                return [], ["1行目に必須の列がありません: " + "、".join(missing)]
            for number, row in rows:
                cell = {h: (row[i] if i < len(row) else None) for h, i in index.items()}
                if sheets.is_blank(cell.values()):
                    continue
                problems, values = [], {}
                for name, parse in FIELDS:
                    try:
                        values[name] = parse(cell[name])
                    except ValueError as exc:
                        problems.append(f"{number}行目「{name}」: {exc}")
                name = values.get("施設名")
                if name and name in names:
                    problems.append(f"{number}行目「施設名」: {names[name]}行目と重複しています")
                if problems:
                    errors += problems
                    continue
                names[name] = number
                facilities.append({"facility_name": name, "voltage": values["電圧区分"],
                                   "contract_kw": values["契約電力（kW）"], "power_factor": values["力率（%）"],
                                   "planned_kwh": [str(values[f"{m}（kWh）"]) for m in MONTHS]})
    except sheets.SheetFileError as exc:
        return [], [str(exc)]
    if not facilities and not errors:
        errors.append("施設の行がありません")
    return (facilities if not errors else []), errors

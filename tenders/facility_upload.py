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
    rows, errors = sheets.parsed_rows(data, LIMITS, FIELDS)
    facilities, names = [], {}
    for number, values, complete in rows:
        name = values.get("施設名")
        if name in names:
            errors.append(f"{number}行目「施設名」: {names[name]}行目と重複しています")
            continue
        if name:
            names[name] = number
        if complete:
            facilities.append({"facility_name": name, "voltage": values["電圧区分"],
                               "contract_kw": values["契約電力（kW）"], "power_factor": values["力率（%）"],
                               "planned_kwh": [str(values[f"{m}（kWh）"]) for m in MONTHS]})
    if not facilities and not errors:
        errors.append("施設の行がありません")
    return (facilities if not errors else []), errors

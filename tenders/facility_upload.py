"""A ward's electricity facilities as xlsx (pure): name, voltage class, contract kW, power factor
and planned kWh for each month April..March. Every bad row and field is reported."""
from __future__ import annotations

import io
import unicodedata
from decimal import Decimal

import openpyxl

from procure.exports import append_row
from procure.textnorm import parse_decimal

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


def _key(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def read_facilities(data: bytes) -> tuple[list[dict], list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:
        return [], ["Excel ファイル（.xlsx）として読み込めません"]
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_key(v) for v in next(rows, ())]
        missing = [h for h in HEADERS if _key(h) not in header]
        if missing:
            return [], ["1行目に必須の列がありません: " + "、".join(missing)]
        index = {h: header.index(_key(h)) for h in HEADERS}
        facilities, errors, names = [], [], {}
        for number, row in enumerate(rows, start=2):
            cell = {h: (row[i] if i < len(row) else None) for h, i in index.items()}
            if all(_key(v) == "" for v in cell.values()):
                continue
            if number - 1 > MAX_ROWS:
                errors.append(f"施設は {MAX_ROWS} 件までです")
                break
            problems = []
            name = _key(cell["施設名"])
            if not name:
                problems.append(f"{number}行目「施設名」: 入力してください")
            elif name in names:
                problems.append(f"{number}行目「施設名」: {names[name]}行目と重複しています")
            voltage = _key(cell["電圧区分"])
            if voltage not in VOLTAGES:
                problems.append(f"{number}行目「電圧区分」: 低圧・高圧・特別高圧のいずれかにしてください（{voltage}）")
            values = {}
            for h in HEADERS[2:]:
                try:
                    value = parse_decimal(cell[h])
                    if value < 0:
                        raise ValueError("0 以上にしてください")
                    values[h] = value
                except ValueError as exc:
                    problems.append(f"{number}行目「{h}」: {exc}")
            if "力率（%）" in values and not Decimal(0) < values["力率（%）"] <= 100:
                problems.append(f"{number}行目「力率（%）」: 0 より大きく 100 以下にしてください")
            if problems:
                errors += problems
                continue
            names[name] = number
            facilities.append({"facility_name": name[:200], "voltage": voltage,
                               "contract_kw": values["契約電力（kW）"], "power_factor": values["力率（%）"],
                               "planned_kwh": [str(values[f"{m}（kWh）"]) for m in MONTHS]})
        if not facilities and not errors:
            errors.append("施設の行がありません")
        return (facilities if not errors else []), errors
    finally:
        book.close()

"""xlsx in and out for the price-allocation simulation (openpyxl; no Flask)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl

from procure import sheets
from procure.exports import append_row

DEMAND_SHEET, TIER_SHEET = "参加区", "単価表"
DEMAND_HEADER = ("区コード", "区名", "数量", "単独見積額")
TIER_HEADER = ("数量下限", "単価")
MAX_ROWS = 1000
MODE_NAMES = {"pooled": "一括（全体合算）", "individual": "個別", "grouped": "グループ別"}


@dataclass
class SimulationUpload:
    demand: dict[str, tuple[Decimal, Decimal | None]] = field(default_factory=dict)  # code -> (q, standalone)
    tiers: list[tuple[Decimal, Decimal]] | None = None
    errors: list[str] = field(default_factory=list)


def template_workbook(wards) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = DEMAND_SHEET
    append_row(sheet, DEMAND_HEADER)
    for ward in wards:
        append_row(sheet, (ward.code, ward.name_ja, None, None))
    tiers = book.create_sheet(TIER_SHEET)
    append_row(tiers, TIER_HEADER)
    for row in ((0, 13), (10000, 6), (50000, 3)):
        append_row(tiers, row)
    return _save(book)


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


LIMITS = sheets.SheetLimits(max_rows=MAX_ROWS, max_columns=10, max_member_bytes=5 * 2 ** 20,
                            max_total_bytes=20 * 2 ** 20)
MAX_NUMBER = Decimal(10) ** 12


def _cell_number(value, where: str, errors: list[str]):
    """A number >= 0 from a cell (blank: None); a bad one is reported and gives None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return sheets.decimal(value, Decimal(0), MAX_NUMBER, 4)
    except ValueError as exc:
        errors.append(f"{where}: {exc}")
        return None


def read_upload(stream, wards) -> SimulationUpload:
    """Parse an uploaded workbook with the shared hostile-file reader. Every problem is reported
    with sheet, row and column."""
    upload = SimulationUpload()
    try:
        with sheets.SheetReader(stream.read(), LIMITS) as reader:
            if not reader.has_sheet(DEMAND_SHEET):
                upload.errors.append(f"シート「{DEMAND_SHEET}」がありません")
            else:
                _read_demand(reader.rows_of(DEMAND_SHEET), wards, upload)
            if reader.has_sheet(TIER_SHEET):
                _read_tiers(reader.rows_of(TIER_SHEET), upload)
    except sheets.SheetFileError as exc:
        upload.errors.append(str(exc))
    return upload


def _read_demand(rows, wards, upload: SimulationUpload) -> None:
    by_key = {}
    for ward in wards:
        by_key.update({ward.code: ward.code, ward.name_ja: ward.code, ward.name_en.lower(): ward.code})
    for number, row in rows:
        if number == 1:
            continue
        row = tuple(row) + (None,) * 4
        code_cell, name_cell, quantity_cell, standalone_cell = row[:4]
        if sheets.is_blank(row[:4]):
            continue
        where = f"{DEMAND_SHEET} {number}行目"
        try:
            key = sheets.text(code_cell if code_cell not in (None, "") else name_cell, 40)
        except ValueError as exc:
            upload.errors.append(f"{where} 区コード/区名: {exc}")
            continue
        code = by_key.get(key) or by_key.get(key.lower())
        if code is None:
            upload.errors.append(f"{where} 区コード/区名: 「{key}」は特別区ではありません")
            continue
        quantity = _cell_number(quantity_cell, f"{where} 数量", upload.errors)
        standalone = _cell_number(standalone_cell, f"{where} 単独見積額", upload.errors)
        if code in upload.demand:
            upload.errors.append(f"{where}: {key} が重複しています")
        elif quantity is not None:
            upload.demand[code] = (quantity, standalone)


def _read_tiers(rows, upload: SimulationUpload) -> None:
    tiers = []
    for number, row in rows:
        if number == 1:
            continue
        row = tuple(row) + (None,) * 2
        if sheets.is_blank(row[:2]):
            continue
        where = f"{TIER_SHEET} {number}行目"
        errors_before = len(upload.errors)
        minimum = _cell_number(row[0], f"{where} 数量下限", upload.errors)
        price = _cell_number(row[1], f"{where} 単価", upload.errors)
        if minimum is None or price is None:
            if len(upload.errors) == errors_before:  # a blank cell, not a bad one
                upload.errors.append(f"{where}: 数量下限と単価の両方を入力してください")
            continue
        tiers.append((minimum, price))
    upload.tiers = tiers or None


RESULT_HEADER = ("区", "グループ", "数量", "単価", "物品金額", "基本料金", "共通経費", "調整額",
                 "負担額合計", "単独見積額", "削減額", "削減率")


def comparison_workbook(outcomes, names: dict[str, str]) -> bytes:
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "比較"
    append_row(summary, ("方式", "負担額合計", "単独見積額", "削減額", "削減率", "備考"))
    for mode, outcome in outcomes.items():
        if outcome.result is None:
            append_row(summary, (MODE_NAMES[mode], None, None, None, None, outcome.error))
            continue
        totals = outcome.result["totals"]
        append_row(summary, (MODE_NAMES[mode], _num(totals["total"]), _num(totals["standalone_amount"]),
                             _num(totals["savings"]), _num(totals["savings_rate"]), ""))
    for mode, outcome in outcomes.items():
        if outcome.result is None:
            continue
        sheet = book.create_sheet(MODE_NAMES[mode])
        append_row(sheet, RESULT_HEADER)
        for p in outcome.result["participants"]:
            append_row(sheet, (names.get(p["id"], p["id"]), p["group"] + 1, _num(p["quantity"]),
                               _num(p["unit_price"]), _num(p["goods_amount"]), _num(p["base_fee"]),
                               _num(p["shared_costs"]), _num(p["adjustment"]), _num(p["total"]),
                               _num(p["standalone_amount"]), _num(p["savings"]),
                               _num(p["savings_rate"])))
    return _save(book)


def _num(text):
    return None if text is None else Decimal(text)

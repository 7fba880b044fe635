"""A vendor's own invoice as xlsx (pure): one row per line, the invoice fields repeated.
Every bad row and column is reported; formulas are refused, full-width digits accepted."""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from procure.exports import append_row
from procure.textnorm import parse_date, parse_decimal

HEADERS = ("請求書番号", "発行日", "宛先区コード", "発注明細ID", "品名", "数量", "単位", "単価（税抜）",
           "金額（税抜）", "税率")
EXAMPLE = ("INV-2026-10-001", "2026-10-31", "131130", "123", "油性ボールペン 黒", 10, "本", 68, 680, "10%")
RATES = {"10": Decimal("0.10"), "8": Decimal("0.08"), "0.1": Decimal("0.10"), "0.08": Decimal("0.08")}


@dataclass(frozen=True)
class XlsxLine:
    order_line_ref: str | None
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    rate: Decimal


@dataclass(frozen=True)
class XlsxInvoice:
    number: str
    issue_date: date
    ward_code: str
    lines: list[XlsxLine]


def template_workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "請求書"
    append_row(sheet, HEADERS)
    append_row(sheet, EXAMPLE)
    sheet.freeze_panes = "A2"
    return book


def _text(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""


def _rate(value) -> Decimal:
    text = _text(value).replace("%", "").replace("軽減", "").strip()
    if text not in RATES:
        raise ValueError(f"税率は 10% か 8% にしてください（{value}）")
    return RATES[text]


def read_invoice_xlsx(data: bytes) -> tuple[XlsxInvoice | None, list[str]]:
    """The invoice, or every problem found (then None)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        return None, ["Excel ファイル（.xlsx）として読み込めません"]
    try:
        sheet = book["請求書"] if "請求書" in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())]
        missing = [h for h in HEADERS if _text(h) not in header]
        if missing:
            return None, ["1行目に必須の列がありません: " + "、".join(missing)]
        index = {h: header.index(_text(h)) for h in HEADERS}
        errors, lines, heads = [], [], set()
        for number, row in enumerate(rows, start=2):
            cells = {h: row[i] if i < len(row) else None for h, i in index.items()}
            if all(_text(v) == "" for v in cells.values()):
                continue
            problems = [f"{number}行目「{h}」: 数式は使えません" for h, v in cells.items()
                        if isinstance(v, str) and v.startswith("=")]
            if problems:
                errors += problems
                continue
            values = {}
            for header_name, parse in (("数量", parse_decimal), ("単価（税抜）", parse_decimal),
                                       ("金額（税抜）", parse_decimal), ("税率", _rate)):
                try:
                    values[header_name] = parse(cells[header_name])
                except ValueError as exc:
                    errors.append(f"{number}行目「{header_name}」: {exc}")
            try:
                raw_date = cells["発行日"]
                issued = raw_date.date() if isinstance(raw_date, datetime) else (
                    raw_date if isinstance(raw_date, date) else parse_date(raw_date, "発行日"))
            except ValueError as exc:
                errors.append(f"{number}行目「発行日」: {exc}")
                issued = None
            if not _text(cells["品名"]):
                errors.append(f"{number}行目「品名」: 入力してください")
            heads.add((_text(cells["請求書番号"]), issued, _text(cells["宛先区コード"])))
            if len(values) == 4 and _text(cells["品名"]):
                ref = _text(cells["発注明細ID"])
                lines.append(XlsxLine(ref[:-2] if ref.endswith(".0") else ref or None, _text(cells["品名"])[:200],
                                      values["数量"], _text(cells["単位"])[:20], values["単価（税抜）"],
                                      values["金額（税抜）"], values["税率"]))
        if len(heads) > 1:
            errors.append("請求書番号・発行日・宛先区コードはすべての行で同じにしてください（1ファイル1請求書）")
        if not lines and not errors:
            errors.append("明細の行がありません")
        if errors:
            return None, errors
        number, issued, ward_code = heads.pop()
        if not number:
            return None, ["「請求書番号」を入力してください"]
        return XlsxInvoice(number[:40], issued, ward_code, lines), []
    finally:
        book.close()

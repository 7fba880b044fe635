"""A vendor's own invoice as xlsx (pure): one row per line, the invoice fields repeated.
Every bad row and column is reported; formulas are refused, full-width digits accepted."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from procure import sheets
from procure.money import NON_TAXABLE_CATEGORIES
from procure.exports import append_row
from procure.textnorm import parse_date

HEADERS = ("請求書番号", "発行日", "宛先区コード", "発注明細ID", "品名", "数量", "単位", "単価（税抜）",
           "金額（税抜）", "税率")
EXAMPLE = ("INV-2026-10-001", "2026-10-31", "131130", "123", "油性ボールペン 黒", 10, "本", 68, 680, "10%")
RATES = {"10": Decimal("0.10"), "8": Decimal("0.08"), "0.1": Decimal("0.10"), "0.08": Decimal("0.08")}
# Lines outside the tax, by name or JP PINT category code: no tax, rate 0
NON_TAXABLE = {**{name: code for code, name in NON_TAXABLE_CATEGORIES.items()}, **{c: c for c in NON_TAXABLE_CATEGORIES}}


@dataclass(frozen=True)
class XlsxLine:
    order_line_ref: str | None
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    rate: Decimal
    category: str | None = None  # outside the tax (E 非課税, O 不課税, Z, G), rate 0


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


def _rate(value) -> tuple[Decimal, str | None]:
    """(rate, None) for 10% or 8%; (0, category) for 非課税, 不課税, ゼロ税率, 輸出免税 (or E, O, Z, G)."""
    if isinstance(value, sheets.Formula):
        raise ValueError("数式は使えません。値を入力してください")
    text = _text(value).replace("%", "").replace("軽減", "").strip()
    category = NON_TAXABLE.get(text) or NON_TAXABLE.get(text.upper())
    if category:
        return Decimal(0), category
    if text not in RATES:
        raise ValueError(f"税率は 10%、8%、非課税、不課税のいずれかにしてください（{value}）")
    return RATES[text], None


LIMITS = sheets.SheetLimits(max_rows=5_000, max_columns=30, max_member_bytes=10 * 2 ** 20,
                            max_total_bytes=30 * 2 ** 20)
MAX_AMOUNT = Decimal(10) ** 12      # yen: far above any invoice, far below Numeric(18, 4)
MAX_QUANTITY = Decimal(10) ** 9
NUMBER_LENGTH = 40                  # Invoice.number


def _issue_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(sheets.text(value, 20), "発行日")


FIELDS = (("請求書番号", lambda v: sheets.text(v, NUMBER_LENGTH)), ("発行日", _issue_date),
          ("宛先区コード", lambda v: sheets.text(v, 20)), ("発注明細ID", lambda v: sheets.text(v, 20, required=False)),
          ("品名", lambda v: sheets.text(v, 200)), ("数量", lambda v: sheets.decimal(v, -MAX_QUANTITY, MAX_QUANTITY, 4)),
          ("単位", lambda v: sheets.text(v, 20, required=False)),
          ("単価（税抜）", lambda v: sheets.decimal(v, -MAX_AMOUNT, MAX_AMOUNT, 4)),
          ("金額（税抜）", lambda v: sheets.decimal(v, -MAX_AMOUNT, MAX_AMOUNT, 2)), ("税率", _rate))


def read_invoice_xlsx(data: bytes) -> tuple[XlsxInvoice | None, list[str]]:
    """The invoice, or every problem found (then None). The file is read by the shared hostile-file
    reader (procure.sheets); every cell goes through its field parsers."""
    parsed, errors = sheets.parsed_rows(data, LIMITS, FIELDS, sheet_name="請求書")
    rows = [(number, values) for number, values, complete in parsed if complete]
    heads = {(v["請求書番号"], v["発行日"], v["宛先区コード"]) for _, v in rows}
    lines = [XlsxLine(v["発注明細ID"].removesuffix(".0") or None, v["品名"], v["数量"], v["単位"], v["単価（税抜）"],
                      v["金額（税抜）"], *v["税率"]) for _, v in rows]
    if len(heads) > 1:
        errors.append("請求書番号・発行日・宛先区コードはすべての行で同じにしてください（1ファイル1請求書）")
    if not lines and not errors:
        errors.append("明細の行がありません")
    if errors:
        return None, errors
    number, issued, ward_code = heads.pop()
    return XlsxInvoice(number, issued, ward_code, lines), []

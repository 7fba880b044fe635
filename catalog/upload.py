"""Reading and checking a vendor's catalog upload (xlsx). Pure: no Flask, no database.

Every bad field of a row is reported (not only the first), in Japanese, with the Excel row
number, so a vendor can fix the whole file in one pass. Rows are streamed from a read-only
workbook, so a large file never sits in memory at once.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Iterator, NamedTuple

import openpyxl
from stdnum import ean

from procure import sheets
from procure.exports import append_row
from procure.textnorm import parse_decimal

SHEET_NAME, HELP_SHEET_NAME = "カタログ", "記入方法"
FORMULA_MESSAGE = "数式は使えません。値を入力してください"
MAX_INT = 2_147_483_647  # the database's Integer column
MAX_PRICE = Decimal(10) ** 10  # yen per unit: far above any catalog item, far below Numeric(18, 4)
# A catalog of 100,000 rows is about 40 MB of sheet XML; anything far beyond is refused unread.
LIMITS = sheets.SheetLimits(max_rows=100_000, max_columns=40, max_member_bytes=80 * 2 ** 20,
                            max_total_bytes=120 * 2 ** 20)


class Column(NamedTuple):
    key: str
    header: str
    required: bool
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("sku", "SKU", True, "貴社の商品コード。40文字以内の半角英数字と . _ / - 。ファイル内で重複不可"),
    Column("jan", "JANコード", False, "8桁または13桁の数字（チェックディジットも確認します）"),
    Column("name", "商品名", True, "200文字以内"),
    Column("spec", "規格", False, "サイズ・色・入数など。400文字以内"),
    Column("category", "分類", True, "60文字以内（例: 事務用品）"),
    Column("unit", "単位", True, "20文字以内（例: 箱、個、本）"),
    Column("tax_rate", "税率", True, "10% または 8%（軽減税率）"),
    Column("list_price", "定価", True, "税抜の円。0以上、小数は2桁まで"),
    Column("contract_price", "契約単価", True, "税抜の円。定価以下、小数は2桁まで"),
    Column("tiers", "数量段階価格", False,
           "「最小数量:単価」を ; か改行で区切る（例: 1000:110; 5000:105）。"
           "数量は昇順、単価は下がっていき契約単価以下"),
    Column("green", "グリーン購入法適合", False, "○ / ×（空欄は ×）"),
    Column("min_order_qty", "最小発注数量", False, "1以上の整数（空欄は 1）"),
    Column("lead_time_days", "納期（日）", False, "0以上の整数（空欄は 1）"),
    Column("valid_from", "有効開始日", True, "2026-04-01、2026/4/1、2026年4月1日 のいずれか"),
    Column("valid_to", "有効終了日", False, "空欄なら期限なし。有効開始日以降"),
)
EXAMPLE_ROW = ("ABC-001", "4901234567894", "コピー用紙 A4", "500枚×5冊 白色度93%", "事務用品", "箱",
               "10%", 3000, 2500, "10:2450; 50:2400", "○", 1, 3, date(2026, 4, 1), None)


@dataclass(frozen=True)
class ItemRow:
    """One clean row; field names are CatalogItem's column names."""
    row: int
    sku: str
    jan: str | None
    name: str
    spec: str
    category: str
    unit: str
    tax_rate: Decimal
    list_price: Decimal
    contract_price: Decimal
    tiers: list[list[str]] | None
    green: bool
    min_order_qty: int
    lead_time_days: int
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class RowError:
    row: int      # Excel row number (data starts at 2); 0 for file-level errors
    column: str   # Japanese header; "" for file-level errors
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        return f"{self.row}行目「{self.column}」: {self.message}" if self.column else f"{self.row}行目: {self.message}"


class CatalogFileError(ValueError):
    """The whole file is unusable (not an xlsx, no sheet, required columns missing)."""


# ----------------------------------------------------------------------------- cell parsers
# Each takes the raw cell value and returns the clean value or raises ValueError(reason).

def _text(value) -> str:
    """NFKC text, stripped at both ends (NFKC turns U+3000 into a plain space)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 120.0 typed as a number is "120", not "120.0"
    return unicodedata.normalize("NFKC", str(value)).strip()


def _show(value) -> str:
    return _text(value) or str(value)


def _limited(max_len: int, required: bool, collapse: bool = False):
    def parse(value) -> str:
        text = _text(value)
        if collapse:
            text = re.sub(r"\s+", " ", text)
        if required and not text:
            raise ValueError("必須です")
        problem = sheets.control_problem(text)
        if problem:
            raise ValueError(problem)
        if len(text) > max_len:
            raise ValueError(f"{max_len}文字以内にしてください（{len(text)}文字）")
        return text
    return parse


def _sku(value) -> str:
    text = _limited(40, True)(value)
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", text):
        raise ValueError(f"使える文字は半角英数字と . _ / - だけです（{text}）")
    return text


def _jan(value) -> str | None:
    text = _text(value)
    if not text:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and text.isdigit():
        # Excel drops leading zeros of numbers: pad back; the check digit still guards
        text = text.zfill(8 if len(text) <= 8 else 13)
    if not (text.isascii() and text.isdigit() and len(text) in (8, 13)):
        raise ValueError(f"数字8桁か13桁で入力してください（{text}）")
    if not ean.is_valid(text):
        raise ValueError(f"チェックディジットが正しくありません（{text}）")
    return text


TAX_RATES = {Decimal(10): Decimal("0.10"), Decimal(8): Decimal("0.08"),
             Decimal("0.1"): Decimal("0.10"), Decimal("0.08"): Decimal("0.08")}


def _tax_rate(value) -> Decimal:
    text = _text(value)
    for word in ("軽減税率", "軽減", "標準税率", "標準", "税率"):
        text = text.replace(word, "")
    percent = text.endswith("%")
    try:
        number = parse_decimal(value if isinstance(value, (int, float)) and not isinstance(value, bool)
                               else text.removesuffix("%"))
    except ValueError:
        number = None
    if number is not None and percent:
        number = number / 100
    rate = TAX_RATES.get(number) if number is not None else None
    if rate is None:
        raise ValueError(f"税率は 10% か 8%（軽減税率）にしてください（{_show(value)}）")
    return rate


def _money(value, what: str = "") -> Decimal:
    if _text(value) == "":
        raise ValueError("必須です")
    amount = parse_decimal(value)  # floats go through repr, never float arithmetic
    if amount < 0:
        raise ValueError(f"{what}0以上にしてください（{_show(value)[:30]}）")
    if amount >= MAX_PRICE:  # before quantize: 1E+400 must be a reason, not a crash
        raise ValueError(f"{what}{MAX_PRICE:,} 円未満にしてください（{_show(value)[:30]}）")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{what}小数は2桁までにしてください（{_show(value)}）")
    return amount


def _whole(value, minimum: int, default: int | None, what: str = "") -> int:
    if _text(value) == "":
        if default is None:
            raise ValueError(f"{what}必須です")
        return default
    if isinstance(value, bool):
        raise ValueError(f"{what}整数で入力してください（{value}）")
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise ValueError(f"{what}整数で入力してください（{_show(value)}）")
    if not minimum <= number <= MAX_INT:
        raise ValueError(f"{what}{minimum}以上の整数にしてください（{_show(value)}）")
    return int(number)


def _tiers(value) -> list[list[str]] | None:
    text = _text(value)
    if not text:
        return None
    tiers, problems = [], []
    for part in filter(None, (p.strip() for p in re.split(r"[;、\n]", text))):
        quantity, sep, price = part.partition(":")
        if not sep or ":" in price:
            problems.append(f"「{part}」は 数量:単価 の形にしてください")
            continue
        try:
            tiers.append((_whole(quantity, 1, None, "数量は"), _money(price, "単価は")))
        except ValueError as exc:
            problems.append(f"「{part}」: {exc}")
    for (q1, p1), (q2, p2) in zip(tiers, tiers[1:]):
        if q2 <= q1:
            problems.append(f"数量は小さい順に並べてください（{q1} → {q2}）")
        if p2 > p1:
            problems.append(f"数量が増えると単価は同じか下がるようにしてください（{p1} → {p2}）")
    if problems:
        raise ValueError("、".join(problems))
    return [[str(q), str(p)] for q, p in tiers] or None


GREEN_TRUE = {"○", "〇", "◯", "はい", "有", "あり", "有り", "適合", "y", "yes", "true", "1"}
GREEN_FALSE = {"", "×", "いいえ", "無", "なし", "無し", "不適合", "n", "no", "false", "0"}


def _green(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in GREEN_TRUE or text in GREEN_FALSE:
        return text in GREEN_TRUE
    raise ValueError(f"○ か × で入力してください（{_show(value)}）")


# an optional time is allowed (and dropped): dates pasted as text often carry " 00:00:00"
DATE_PATTERNS = (r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2})?)?",
                 r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _date(value, required: bool) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value) if isinstance(value, str) or value is None else None
    if text == "" and not required:
        return None
    if text == "":
        raise ValueError("必須です")
    for pattern in DATE_PATTERNS:
        match = re.fullmatch(pattern, text or "")
        if match:
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                break
    raise ValueError(f"日付は 2026-04-01 の形で入力してください（{_show(value)}）")


PARSERS = {
    "sku": _sku, "jan": _jan, "name": _limited(200, True, collapse=True),
    "spec": _limited(400, False, collapse=True), "category": _limited(60, True),
    "unit": _limited(20, True), "tax_rate": _tax_rate, "list_price": _money,
    "contract_price": _money, "tiers": _tiers, "green": _green,
    "min_order_qty": lambda v: _whole(v, 1, 1), "lead_time_days": lambda v: _whole(v, 0, 1),
    "valid_from": lambda v: _date(v, True), "valid_to": lambda v: _date(v, False),
}
HEADER_OF = {c.key: c.header for c in COLUMNS}


def check_row(row: int, raw: dict) -> tuple[ItemRow | None, list[RowError]]:
    """Validate one row of raw cell values {key: (value, data_type)}; report every bad field."""
    values, errors = {}, []

    def fail(key, message):
        errors.append(RowError(row, HEADER_OF[key], message))

    for column in COLUMNS:
        value, data_type = raw.get(column.key, (None, "n"))
        if data_type == "f" or (isinstance(value, str) and value.startswith("=")):
            fail(column.key, FORMULA_MESSAGE)  # never evaluated, never kept
            continue
        try:
            values[column.key] = PARSERS[column.key](value)
        except ValueError as exc:
            fail(column.key, str(exc))
    # cross-field rules, only when both sides parsed
    contract = values.get("contract_price")
    if contract is not None and values.get("list_price") is not None and contract > values["list_price"]:
        fail("contract_price", f"契約単価（{contract}）が定価（{values['list_price']}）を超えています")
    if contract is not None and values.get("tiers"):
        over = [price for _, price in values["tiers"] if Decimal(price) > contract]
        if over:
            fail("tiers", f"段階単価（{'、'.join(over)}）が契約単価（{contract}）を超えています")
    start, end = values.get("valid_from"), values.get("valid_to")
    if start and end and end < start:
        fail("valid_to", f"有効開始日（{start}）以降の日付にしてください（{end}）")
    if errors:
        return None, errors
    return ItemRow(row=row, **values), []


# ----------------------------------------------------------------------------- workbooks

def _header_key(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


def template_workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    append_row(sheet, [c.header for c in COLUMNS])
    append_row(sheet, EXAMPLE_ROW)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) * 2 + 4))
    for letter in ("A", "B"):  # SKU and JAN as text, so Excel keeps leading zeros
        sheet.column_dimensions[letter].number_format = sheet[f"{letter}2"].number_format = "@"
    sheet.cell(2, len(COLUMNS) - 1).number_format = "yyyy-mm-dd"
    guide = book.create_sheet(HELP_SHEET_NAME)
    append_row(guide, ["列名", "必須", "書き方"])
    for column in COLUMNS:
        append_row(guide, [column.header, "必須" if column.required else "", column.help])
    append_row(guide, ["", "", "1行目の列名は変えないでください。2行目の例は自社の商品に書き換えてください。"
                               "数式は使えません。"])
    guide.column_dimensions["A"].width, guide.column_dimensions["C"].width = 20, 90
    guide.freeze_panes = "A2"
    return book


class CatalogReader:
    """Streams the rows of an uploaded catalog: for number, item, errors in reader."""

    def __init__(self, fileobj, limits: sheets.SheetLimits = LIMITS):
        self.limits = limits
        data = fileobj.getvalue() if hasattr(fileobj, "getvalue") else fileobj.read()
        try:
            sheets.check_archive(data, limits)  # a zip bomb is refused by its declared sizes, unread
        except sheets.SheetFileError as exc:
            raise CatalogFileError(str(exc)) from None
        try:
            self._book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception:  # any failure to open means the file is unusable
            raise CatalogFileError("Excelファイル（.xlsx）として読み込めません") from None
        try:
            self._sheet = self._pick_sheet()
            dimension_rows = self._sheet.max_row
            self.total_rows = min(dimension_rows - 1, limits.max_rows) if dimension_rows and dimension_rows > 1 else None
            # Some writers record a wrong dimension; read to the real end instead.
            self._sheet.reset_dimensions()
            self._positions = self._read_header()
        except Exception:
            self.close()
            raise

    def _pick_sheet(self):
        if SHEET_NAME in self._book.sheetnames:
            return self._book[SHEET_NAME]
        if not self._book.worksheets:
            raise CatalogFileError("シートがありません")
        return self._book.worksheets[0]

    def _read_header(self) -> dict[str, int]:
        header = next(self._sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        wanted = {_header_key(c.header): c for c in COLUMNS}
        positions: dict[str, int] = {}
        for index, text in enumerate(header):
            column = wanted.get(_header_key(text))
            if column is None:
                continue  # extra columns are ignored
            if column.key in positions:
                raise CatalogFileError(f"1行目に列「{column.header}」が2つあります")
            positions[column.key] = index
        missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
        if missing:
            raise CatalogFileError("1行目に必須の列がありません: " + "、".join(missing))
        return positions

    def __iter__(self) -> Iterator[tuple[int, ItemRow | None, list[RowError]]]:
        first_row_of_sku: dict[str, int] = {}  # one entry per SKU: small next to the rows
        for number, cells in enumerate(self._rows(), start=2):
            raw = {}
            for key, index in self._positions.items():
                if index < len(cells) and cells[index].value is not None:
                    raw[key] = (cells[index].value, cells[index].data_type)
            if all(isinstance(v, str) and not _text(v) for v, _ in raw.values()):
                continue  # fully blank row
            item, errors = check_row(number, raw)
            sku = item.sku if item else None
            if item is None and not any(e.column == HEADER_OF["sku"] for e in errors):
                sku = _sku(raw["sku"][0])  # the SKU itself was fine: still claim it
            if sku in first_row_of_sku:
                errors.append(RowError(number, HEADER_OF["sku"],
                                       f"SKU「{sku}」は{first_row_of_sku[sku]}行目と重複しています"))
                item = None
            elif sku:
                first_row_of_sku[sku] = number
            yield number, item, errors

    def _rows(self):
        """The sheet's rows; a damaged file fails mid-way with unrelated exceptions
        (ParseError, KeyError, BadZipFile...): report it as an unusable file."""
        rows = self._sheet.iter_rows(min_row=2, max_col=self.limits.max_columns)
        number = 1
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception:
                raise CatalogFileError(f"ファイルが壊れているため {number + 1} 行目以降を読み込めません") from None
            number += 1
            if number > self.limits.max_rows + 1:  # counted while streaming: the rest is never read
                raise CatalogFileError(f"行数が上限を超えています（上限 {self.limits.max_rows:,} 行）。ファイルを分けてください")
            yield cells

    def close(self) -> None:
        self._book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

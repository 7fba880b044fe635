"""Reading an uploaded xlsx without letting it cost more than its limits, and the field parsers
every upload shares.

An xlsx is a zip: its declared sizes are checked before anything is inflated (Python's zipfile
never inflates a member past its declared size, so a lying header only shortens the read), the
sheet's own dimension is ignored (it may lie), and rows are counted while streaming, stopping at
the limit. Formulas are never evaluated: a formula cell arrives as `Formula` and every field
parser refuses it, so nothing computed by Excel reaches the database.
"""
from __future__ import annotations

import io
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Iterator

from procure.textnorm import parse_decimal

MAX_INT = 2_147_483_647  # INTEGER columns
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # how xlsx writes a character XML cannot hold


class SheetFileError(ValueError):
    """The whole file is refused (not one row): the message says which limit or why."""


class Formula(str):
    """A cell holding a formula (its text, starting with '='): never evaluated, always refused."""


@dataclass(frozen=True)
class SheetLimits:
    max_rows: int = 10_000                 # data rows, after the header
    max_columns: int = 60                  # columns read; cells further right are ignored
    max_cell_chars: int = 2_000
    max_member_bytes: int = 40 * 2 ** 20   # one file inside the xlsx, inflated
    max_total_bytes: int = 120 * 2 ** 20   # all of them
    max_members: int = 500
    max_seconds: float = 20.0              # reading stops here, even within the other limits


def check_archive(data: bytes, limits: SheetLimits) -> None:
    """Refuse a zip bomb by its declared sizes, before any inflating."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SheetFileError("Excel ファイル（.xlsx）として読み込めません") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise SheetFileError(f"ファイル内の部品が多すぎます（{len(members):,} 個、上限 {limits.max_members:,} 個）")
        total = 0
        for member in members:
            if member.file_size > limits.max_member_bytes:
                raise SheetFileError(
                    f"展開後のサイズが上限を超えています（{member.filename}: {member.file_size / 2 ** 20:,.1f} MB、"
                    f"上限 {limits.max_member_bytes // 2 ** 20} MB）。行や列を減らすか、ファイルを分けてください")
            total += member.file_size
        if total > limits.max_total_bytes:
            raise SheetFileError(f"展開後の合計サイズが上限を超えています（{total / 2 ** 20:,.1f} MB、"
                                 f"上限 {limits.max_total_bytes // 2 ** 20} MB）")


class SheetReader:
    """`for number, values in SheetReader(data, limits)`: the first sheet (or `sheet_name`), row
    numbers as Excel shows them, header included. Raises SheetFileError past the row limit."""

    def __init__(self, data: bytes, limits: SheetLimits = SheetLimits(), sheet_name: str | None = None):
        import openpyxl

        check_archive(data, limits)
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        try:
            self._book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception:  # any failure to open means the file is unusable
            raise SheetFileError("Excel ファイル（.xlsx）として読み込めません") from None
        if sheet_name and sheet_name in self._book.sheetnames:
            self._sheet = self._book[sheet_name]
        elif self._book.worksheets:
            self._sheet = self._book.worksheets[0]
        else:
            self.close()
            raise SheetFileError("シートがありません")
        self._sheet.reset_dimensions()  # the recorded dimension may lie; read to the real end

    def __iter__(self) -> Iterator[tuple[int, tuple]]:
        return self._rows(self._sheet)

    def has_sheet(self, name: str) -> bool:
        return name in self._book.sheetnames

    def rows_of(self, name: str) -> Iterator[tuple[int, tuple]]:
        """Another sheet of the same book, under the same limits."""
        sheet = self._book[name]
        sheet.reset_dimensions()
        return self._rows(sheet)

    def _rows(self, sheet) -> Iterator[tuple[int, tuple]]:
        last = self.limits.max_rows + 1
        rows = sheet.iter_rows(max_col=self.limits.max_columns)
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception:  # a damaged sheet fails mid-way with parser errors of every kind
                raise SheetFileError(f"ファイルが壊れているため {number + 1} 行目以降を読み込めません") from None
            number += 1
            if number > last:
                raise SheetFileError(f"行数が上限を超えています（上限 {self.limits.max_rows:,} 行）。ファイルを分けてください")
            if number % 200 == 0 and time.monotonic() > self.deadline:
                raise SheetFileError(f"読み込みが時間内に終わりませんでした（上限 {self.limits.max_seconds:.0f} 秒）。"
                                     "ファイルを分けてください")
            values = [_value(cell) for cell in cells]
            while values and values[-1] is None:  # padded to max_columns by the reader
                values.pop()
            yield number, tuple(values)

    def close(self) -> None:
        self._book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _value(cell):
    value = getattr(cell, "value", None)
    return Formula(value) if getattr(cell, "data_type", None) == "f" else value


def parsed_rows(data: bytes, limits: SheetLimits, fields, sheet_name: str | None = None
                ) -> tuple[list[tuple[int, dict, bool]], list[str]]:
    """The uploads' common table: a header row naming `fields` ((header, parser), ...), then one
    record per row. Answers ([(row number, {header: value}, complete)], errors): every bad field
    named by row and column, its row still given with the fields that did parse (so that checks
    across rows, duplicates say, see it) and complete=False; blank rows skipped; a refused file or
    missing headers is the one error."""
    rows, errors = [], []
    try:
        with SheetReader(data, limits, sheet_name=sheet_name) as reader:
            lines = iter(reader)
            _, header = next(lines, (1, ()))
            index, missing = header_index(header, [name for name, _ in fields])
            if missing:
                return [], ["1行目に必須の列がありません: " + "、".join(missing)]
            for number, row in lines:
                cells = {name: row[i] if i < len(row) else None for name, i in index.items()}
                if is_blank(cells.values()):
                    continue
                values, problems = {}, []
                for name, parse in fields:
                    try:
                        values[name] = parse(cells[name])
                    except ValueError as exc:
                        problems.append(f"{number}行目「{name}」: {exc}")
                errors += problems
                rows.append((number, values, not problems))
    except SheetFileError as exc:
        return [], [str(exc)]
    return rows, errors


def header_index(header: tuple, wanted: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column positions of `wanted` headers (NFKC, spaces ignored) and those missing."""
    keys = [_key(v) for v in header]
    index = {name: keys.index(_key(name)) for name in wanted if _key(name) in keys}
    return index, [name for name in wanted if name not in index]


def _key(value) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))


def is_blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


# Field parsers: every value read from an uploaded file goes through one of these. Each raises
# ValueError with the reason in Japanese; callers add the row and column.

def control_problem(text: str) -> str | None:
    """Why `text` cannot be stored: a control character, also one written as an xlsx escape."""
    escaped = next((m[0] for m in XML_ESCAPE.finditer(text) if CONTROL.match(chr(int(m[1], 16)))), None)
    if CONTROL.search(text) or escaped:
        return "制御文字が含まれています" + (f"（{escaped}）" if escaped else "")
    return None


def _refuse_formula(value) -> None:
    if isinstance(value, Formula):
        raise ValueError("数式は使えません。値を入力してください")


def text(value, max_chars: int, required: bool = True, multiline: bool = False) -> str:
    _refuse_formula(value)
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    result = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not result:
        if required:
            raise ValueError("必須です")
        return ""
    problem = control_problem(result)
    if problem:
        raise ValueError(problem)
    if not multiline and re.search(r"[\t\n\r]", result):
        raise ValueError("改行やタブは使えません")
    if len(result) > max_chars:
        raise ValueError(f"{max_chars:,} 文字以内にしてください（{len(result):,} 文字）")
    return result


def decimal(value, minimum: Decimal, maximum: Decimal, places: int) -> Decimal:
    """A number within [minimum, maximum] with at most `places` decimals; never quantized to fit."""
    _refuse_formula(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("必須です")
    if isinstance(value, bool):
        raise ValueError(f"数値を入力してください（{value}）")
    shown = str(value)[:40]
    if isinstance(value, str) and len(value) > 60:
        raise ValueError(f"数値が長すぎます（{shown}…）")
    number = parse_decimal(value)
    if not minimum <= number <= maximum:
        raise ValueError(f"{minimum:,} 以上 {maximum:,} 以下にしてください（{shown}）")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"小数は {places} 桁までにしてください（{shown}）" if places else f"整数で入力してください（{shown}）")
    return number


def integer(value, minimum: int = 0, maximum: int = MAX_INT) -> int:
    return int(decimal(value, Decimal(minimum), Decimal(maximum), 0))


def year_month(value) -> tuple[int, int]:
    """'2026-11', '2026/11', '2026年11月' or a date cell -> (year, month)."""
    _refuse_formula(value)
    if isinstance(value, (datetime, date)):
        return value.year, value.month
    cleaned = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", cleaned)
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise ValueError(f"年月は 2026-11 の形で入力してください（{cleaned[:20]}）")
    return int(match[1]), int(match[2])

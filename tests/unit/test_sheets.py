"""The shared upload reader refuses hostile xlsx files before they cost time or memory, and its
field parsers give a reason instead of a crash, a cut or a stored escape."""
import io
import time
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from procure import sheets


def book_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(data: bytes, sheet_xml) -> bytes:
    """The same workbook with its first sheet's XML replaced (written in chunks: bombs stay small)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                member_info = zipfile.ZipInfo(info.filename)
                member_info.compress_type = zipfile.ZIP_DEFLATED
                with target.open(member_info, "w", force_zip64=True) as member:
                    for chunk in sheet_xml:
                        member.write(chunk)
            else:
                target.writestr(info, source.read(info.filename))
    return out.getvalue()


def rows_xml(count: int, dimension: str | None = None, cell: str = "<v>1</v>"):
    """`count` identical rows (rows without r= are numbered in order), so a bomb compresses well."""
    yield (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"") + b"<sheetData>")
    kind = ' t="inlineStr"' if cell.startswith("<is>") else ""
    row = f"<row><c{kind}>{cell}</c></row>".encode()
    for start in range(0, count, 10_000):
        yield row * min(10_000, count - start)
    yield b"</sheetData></worksheet>"


def read_all(data, limits=sheets.SheetLimits()):
    with sheets.SheetReader(data, limits) as reader:
        return list(reader)


def test_a_small_zip_that_inflates_past_the_limit_is_refused_before_inflating():
    bomb = with_sheet_xml(book_bytes([["a"]]), rows_xml(2_500_000))
    assert len(bomb) < 300 * 1024  # small on the wire
    started = time.perf_counter()
    with pytest.raises(sheets.SheetFileError, match="展開後のサイズが上限を超えています"):
        read_all(bomb)
    assert time.perf_counter() - started < 1


def test_rows_are_counted_while_streaming_and_reading_stops_at_the_limit():
    data = with_sheet_xml(book_bytes([["a"]]), rows_xml(50_000))
    started = time.perf_counter()
    with pytest.raises(sheets.SheetFileError, match="行数が上限を超えています（上限 1,000 行）"):
        read_all(data, sheets.SheetLimits(max_rows=1_000))
    assert time.perf_counter() - started < 2


def test_a_lying_dimension_costs_nothing():
    data = with_sheet_xml(book_bytes([["a"]]), rows_xml(2, dimension="A1:XFD1048576"))
    started = time.perf_counter()
    rows = read_all(data)
    assert [number for number, _ in rows] == [1, 2] and len(rows[0][1]) <= sheets.SheetLimits().max_columns
    assert time.perf_counter() - started < 1


def test_a_file_that_is_not_an_xlsx_is_refused_with_a_reason():
    for data in (b"", b"PK\x03\x04 broken", "名前,数量\n".encode("cp932")):
        with pytest.raises(sheets.SheetFileError, match="Excel ファイル"):
            read_all(data)


def test_formulas_arrive_marked_and_every_parser_refuses_them():
    ((_, (value,)),) = read_all(book_bytes([["=1+1"]]))
    assert isinstance(value, sheets.Formula)
    for parse in (lambda v: sheets.text(v, 10), lambda v: sheets.integer(v), sheets.year_month):
        with pytest.raises(ValueError, match="数式は使えません"):
            parse(value)


def test_text_refuses_control_characters_even_written_as_escapes_and_never_cuts():
    data = with_sheet_xml(book_bytes([["a"]]), rows_xml(1, cell="<is><t>ペン_x001B_黒</t></is>"))
    ((_, (value,)),) = read_all(data)
    for hostile in (value, "ペン\x1b黒", "ペン\u2028黒"):
        with pytest.raises(ValueError, match="制御文字"):
            sheets.text(hostile, 100)
    assert sheets.text("A_x3042_", 10) == "A_x3042_"  # not a control character: plain text
    with pytest.raises(ValueError, match="10 文字以内にしてください（11 文字）"):
        sheets.text("あ" * 11, 10)
    assert sheets.text("  ＡＢＣ１ ", 10) == "ABC1"


@pytest.mark.parametrize("value", ["1e30", "1" * 40, "1E+400", "-1E+400", "NaN", "Infinity", 10 ** 30, "1E-400"])
def test_numbers_out_of_range_are_a_reason_not_a_crash(value):
    with pytest.raises(ValueError) as refused:
        sheets.decimal(value, Decimal(0), Decimal(10 ** 9), 2)
    assert str(refused.value)


def test_numbers_people_type_are_accepted():
    assert sheets.integer("１，２００") == 1200
    assert sheets.decimal(1.1, Decimal(0), Decimal(10), 2) == Decimal("1.1")
    assert sheets.year_month("２０２６年１１月") == (2026, 11) and sheets.year_month(date(2026, 4, 1)) == (2026, 4)
    with pytest.raises(ValueError, match="整数で入力してください"):
        sheets.integer("1.5")


def test_one_line_fields_refuse_line_breaks_and_notes_may_have_them():
    with pytest.raises(ValueError, match="改行やタブ"):
        sheets.text("本庁舎\n別館", 20)
    assert sheets.text("本庁舎\n別館", 20, multiline=True) == "本庁舎\n別館"


def test_reading_stops_at_its_time_limit():
    data = with_sheet_xml(book_bytes([["a"]]), rows_xml(5_000))
    with pytest.raises(sheets.SheetFileError, match="時間内に終わりませんでした（上限 0 秒）"):
        read_all(data, sheets.SheetLimits(max_seconds=0.0))

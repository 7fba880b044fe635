from decimal import Decimal

import openpyxl
import pytest

from procure.exports import append_row, csv_safe
from procure.textnorm import parse_decimal


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    book = openpyxl.Workbook()
    append_row(book.active, ["=HYPERLINK(\"http://x\")", "@SUM(A1)", 12, Decimal("3.5")])
    path = tmp_path / "out.xlsx"
    book.save(path)
    row = next(openpyxl.load_workbook(path).active.iter_rows())
    assert [c.data_type for c in row] == ["s", "s", "n", "n"]
    assert row[0].value == '=HYPERLINK("http://x")'


def test_csv_safe():
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("-2") == "'-2" and csv_safe("ok") == "ok"
    assert csv_safe(5) == 5


@pytest.mark.parametrize("text, value", [
    ("１，２３４", Decimal("1234")), ("1,200円", Decimal("1200")), ("¥3.50", Decimal("3.50")),
    (" ０．３ ", Decimal("0.3")), (0.1, Decimal("0.1")), (7, Decimal("7")),
])
def test_parse_decimal_accepts_what_people_type(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["abc", "", "NaN", "Infinity", None, True])
def test_parse_decimal_refuses_non_numbers(text):
    with pytest.raises(ValueError):
        parse_decimal(text)

import gc
import inspect
import io
import weakref
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import ean

from catalog.upload import (COLUMNS, HELP_SHEET_NAME, SHEET_NAME, CatalogFileError, CatalogReader, ItemRow,
                            RowError, template_workbook)
from procure import sheets
from procure.exports import append_row

HEADERS = [c.header for c in COLUMNS]
KEYS = [c.key for c in COLUMNS]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
VALID = {"sku": "ABC-001", "jan": "4901234567894", "name": "ボールペン 黒", "spec": "0.5mm", "category": "事務用品",
         "unit": "本", "tax_rate": "10%", "list_price": 120, "contract_price": 100, "tiers": None,
         "green": None, "min_order_qty": None, "lead_time_days": None, "valid_from": "2026-04-01",
         "valid_to": None}


def xlsx(rows, headers=HEADERS) -> io.BytesIO:
    """An in-memory xlsx; rows are lists, or dicts keyed like VALID (merged over it)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    append_row(sheet, headers)
    for row in rows:
        if isinstance(row, dict):
            row = [{**VALID, **row}[key] for key in KEYS]
        append_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def read(rows, headers=HEADERS):
    with CatalogReader(xlsx(rows, headers)) as reader:
        return list(reader)


def read_one(**fields):
    [(number, item, errors)] = read([fields])
    assert number == 2
    return item, errors


def errors_of(**fields):
    item, errors = read_one(**fields)
    assert item is None
    return errors


# --------------------------------------------------------------------------- template

def test_template_round_trips_and_explains_every_column():
    book = template_workbook()
    assert book.sheetnames == [SHEET_NAME, HELP_SHEET_NAME]
    sheet = book[SHEET_NAME]
    assert [c.value for c in sheet[1]] == HEADERS and sheet.freeze_panes == "A2"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    guide = [row for row in book[HELP_SHEET_NAME].iter_rows(values_only=True)]
    for column in COLUMNS:
        assert (column.header, "必須" if column.required else "", column.help) in guide
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with CatalogReader(out) as reader:
        assert reader.total_rows == 1
        [(number, item, errors)] = list(reader)
    assert number == 2 and errors == [] and isinstance(item, ItemRow)
    assert item.sku == "ABC-001" and item.tax_rate == Decimal("0.10") and item.tiers == [["10", "2450"], ["50", "2400"]]


def test_a_clean_row_with_defaults():
    item, errors = read_one()
    assert errors == []
    assert item == ItemRow(row=2, sku="ABC-001", jan="4901234567894", name="ボールペン 黒", spec="0.5mm",
                           category="事務用品", unit="本", tax_rate=Decimal("0.10"), list_price=Decimal(120),
                           contract_price=Decimal(100), tiers=None, green=False, min_order_qty=1,
                           lead_time_days=1, valid_from=date(2026, 4, 1), valid_to=None)


# --------------------------------------------------------------------------- accepted forms

@pytest.mark.parametrize("key, raw, expected", [
    ("sku", "　ＡＢＣ－１２/x.y_z ", "ABC-12/x.y_z"),
    ("sku", 12345, "12345"),
    ("sku", "S" * 40, "S" * 40),
    ("jan", 4901234567894, "4901234567894"),
    ("jan", 4901234567894.0, "4901234567894"),
    ("jan", "４９０１２３４５６７８９４", "4901234567894"),
    ("jan", "49123456", "49123456"),
    ("jan", 12345670, "12345670"),
    ("jan", 36000291452, "0036000291452"),  # a leading-zero code Excel turned into a number
    ("jan", "", None),
    ("name", "  Ａ４　　用紙\n 白  ", "A4 用紙 白"),
    ("name", "名" * 200, "名" * 200),
    ("spec", None, ""),
    ("spec", "幅　１０ｃｍ", "幅 10cm"),
    ("category", "分" * 60, "分" * 60),
    ("unit", "ﾊﾞｲﾄ", "バイト"),
    ("tax_rate", "10%", Decimal("0.10")), ("tax_rate", "10", Decimal("0.10")),
    ("tax_rate", "１０％", Decimal("0.10")), ("tax_rate", 10, Decimal("0.10")),
    ("tax_rate", 0.1, Decimal("0.10")), ("tax_rate", "0.10", Decimal("0.10")),
    ("tax_rate", "8%", Decimal("0.08")), ("tax_rate", 8, Decimal("0.08")),
    ("tax_rate", 0.08, Decimal("0.08")), ("tax_rate", "軽減8%", Decimal("0.08")),
    ("tax_rate", "軽減税率 ８％", Decimal("0.08")),
    ("list_price", "１，２３４円", Decimal("1234")), ("list_price", 120.5, Decimal("120.5")),
    ("list_price", "120.50", Decimal("120.50")),
    ("contract_price", 0, Decimal(0)), ("contract_price", "99.99", Decimal("99.99")),
    ("tiers", "10:100; 50:95", [["10", "100"], ["50", "95"]]),
    ("tiers", "１０：１００；５０：９５", [["10", "100"], ["50", "95"]]),
    ("tiers", "10:100、50:99.5\n1,000:90;", [["10", "100"], ["50", "99.5"], ["1000", "90"]]),
    ("tiers", "1:100", [["1", "100"]]),
    ("tiers", "  ", None),
    *[("green", raw, True) for raw in ("○", "〇", "◯", "はい", "有", "Y", "yes", "TRUE", "1", 1, True)],
    *[("green", raw, False) for raw in (None, "×", "いいえ", "無", "N", "no", "false", "0", 0, False)],
    ("min_order_qty", "３", 3), ("min_order_qty", 3.0, 3), ("min_order_qty", 12, 12), ("min_order_qty", "", 1),
    ("lead_time_days", "０", 0), ("lead_time_days", 5.0, 5), ("lead_time_days", None, 1),
    ("valid_from", datetime(2026, 4, 1, 9, 30), date(2026, 4, 1)),
    ("valid_from", date(2026, 4, 1), date(2026, 4, 1)),
    ("valid_from", "2026/4/1", date(2026, 4, 1)),
    ("valid_from", "2026年4月1日", date(2026, 4, 1)),
    ("valid_from", "２０２６－０４－０１", date(2026, 4, 1)),
    ("valid_from", "２０２６年４月１日", date(2026, 4, 1)),
    ("valid_from", "2026-04-01 00:00:00", date(2026, 4, 1)),
    ("valid_to", "2026-04-01", date(2026, 4, 1)),
    ("valid_to", date(2027, 3, 31), date(2027, 3, 31)),
])
def test_accepted_forms(key, raw, expected):
    item, errors = read_one(**{key: raw})
    assert errors == []
    assert getattr(item, key) == expected


def test_a_decimal_price_never_goes_through_float_arithmetic():
    item, _ = read_one(list_price=1234.56, contract_price="1234.56")
    assert item.list_price == Decimal("1234.56") and item.contract_price == Decimal("1234.56")


# --------------------------------------------------------------------------- rejected forms

@pytest.mark.parametrize("key, raw, fragment", [
    ("sku", None, "必須です"),
    ("sku", "ABC 001", "半角英数字"),
    ("sku", "商品1", "半角英数字"),
    ("sku", "S" * 41, "40文字以内"),
    ("jan", "4901234567890", "チェックディジットが正しくありません（4901234567890）"),
    ("jan", 4901234567890, "チェックディジット"),
    ("jan", "490123456789", "8桁か13桁"),
    ("jan", "49012345678945", "8桁か13桁"),
    ("jan", "4901-2345", "8桁か13桁"),
    ("jan", 4901234567894.5, "8桁か13桁"),
    ("name", "   ", "必須です"),
    ("name", "名" * 201, "200文字以内"),
    ("spec", "x" * 401, "400文字以内"),
    ("category", None, "必須です"),
    ("category", "分" * 61, "60文字以内"),
    ("unit", "", "必須です"),
    ("unit", "u" * 21, "20文字以内"),
    *[("tax_rate", raw, "税率は 10% か 8%（軽減税率）にしてください")
      for raw in ("5%", 5, "0.05", "", None, "十", True, "10%%", 0.1 + 0.2)],
    ("list_price", None, "必須です"),
    ("list_price", "abc", "数値ではありません"),
    ("list_price", -1, "0以上"),
    ("list_price", "120.555", "小数は2桁までにしてください（120.555）"),
    *[("list_price", raw, "10,000,000,000 円未満にしてください") for raw in ("1e30", "1" * 40, "1E+400", 10 ** 30)],
    ("list_price", "1E-400", "小数は2桁まで"),
    ("name", "ペン_x001B_黒", "制御文字が含まれています（_x001B_）"),
    ("category", "文具_x0000_", "制御文字"),
    ("contract_price", "", "必須です"),
    ("contract_price", 0.001, "小数は2桁まで"),
    ("contract_price", 121, "契約単価（121）が定価（120）を超えています"),
    ("tiers", "10-110", "数量:単価"),
    ("tiers", "10:110:1", "数量:単価"),
    ("tiers", ":110", "数量は必須です"),
    ("tiers", "0:100", "数量は1以上"),
    ("tiers", "2.5:100", "数量は整数"),
    ("tiers", "10:abc", "数値ではありません"),
    ("tiers", "10:-1", "単価は0以上"),
    ("tiers", "10:99.999", "単価は小数は2桁まで"),
    ("tiers", "50:90; 10:95", "数量は小さい順"),
    ("tiers", "50:90; 50:85", "数量は小さい順"),
    ("tiers", "10:90; 50:95", "単価は同じか下がる"),
    ("tiers", "10:101", "段階単価（101）が契約単価（100）を超えています"),
    ("green", "たぶん", "○ か ×"),
    ("green", 2, "○ か ×"),
    ("min_order_qty", 2.5, "整数で入力してください（2.5）"),
    ("min_order_qty", "２.５", "整数"),
    ("min_order_qty", 0, "1以上"),
    ("min_order_qty", "多い", "数値ではありません"),
    ("min_order_qty", 10 ** 12, "1以上の整数"),
    ("lead_time_days", -1, "0以上"),
    ("lead_time_days", 0.5, "整数"),
    ("valid_from", None, "必須です"),
    ("valid_from", "2026-02-30", "2026-04-01 の形"),
    ("valid_from", "4/1", "2026-04-01 の形"),
    ("valid_from", "2026-04-01 noon", "2026-04-01 の形"),
    ("valid_from", 46113, "2026-04-01 の形"),  # a bare serial number is not trusted as a date
    ("valid_to", "2026-03-31", "有効開始日（2026-04-01）以降"),
    ("valid_to", "いつか", "2026-04-01 の形"),
])
def test_rejected_forms(key, raw, fragment):
    errors = errors_of(**{key: raw})
    header = COLUMNS[KEYS.index(key)].header
    assert [(e.row, e.column) for e in errors] == [(2, header)], errors
    assert fragment in errors[0].message


def test_every_bad_field_of_a_row_is_reported():
    errors = errors_of(sku="", jan="4901234567890", tax_rate="5%", list_price="x", min_order_qty=0,
                       valid_from="昨日", green="?")
    assert [e.column for e in errors] == ["SKU", "JANコード", "税率", "定価", "グリーン購入法適合",
                                          "最小発注数量", "有効開始日"]


def test_error_text_names_row_column_and_value():
    [error] = errors_of(jan="4901234567890")
    assert str(error) == "2行目「JANコード」: チェックディジットが正しくありません（4901234567890）"
    assert str(RowError(0, "", "ファイルが壊れています")) == "ファイルが壊れています"


# --------------------------------------------------------------------------- formulas

def test_formula_cells_are_rejected_and_never_evaluated():
    book = openpyxl.Workbook()
    sheet = book.active
    append_row(sheet, HEADERS)
    append_row(sheet, [VALID[k] for k in KEYS])
    sheet["H2"] = "=100+20"  # a real formula (data_type "f") in 定価
    sheet["C2"].value, sheet["C2"].data_type = "=HYPERLINK(\"http://x\")", "s"  # formula-looking text in 商品名
    assert sheet["H2"].data_type == "f"
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    [(_, item, errors)] = list(CatalogReader(out))
    assert item is None
    assert [(e.column, e.message) for e in errors] == [("商品名", "数式は使えません。値を入力してください"),
                                                       ("定価", "数式は使えません。値を入力してください")]


# --------------------------------------------------------------------------- file-level checks

def test_duplicate_sku_names_the_first_row():
    results = read([{"sku": "A1"}, {"sku": "B1"}, {"sku": "ａ１".upper()}, {"sku": "A1", "name": ""}])
    assert [(n, item is not None) for n, item, _ in results] == [(2, True), (3, True), (4, False), (5, False)]
    assert [str(e) for e in results[2][2]] == ["4行目「SKU」: SKU「A1」は2行目と重複しています"]
    assert [e.column for e in results[3][2]] == ["商品名", "SKU"]
    assert "2行目と重複" in results[3][2][1].message


def test_blank_rows_are_skipped_and_row_numbers_stay_true():
    rows = [{"sku": "A1"}, [None] * len(KEYS), ["", "　", " "], {"sku": "B1", "jan": "1"}]
    results = read(rows)
    assert [n for n, _, _ in results] == [2, 5]
    assert results[1][2][0].row == 5


def test_headers_may_be_reordered_normalised_and_extended():
    headers = ["備考", "ＳＫＵ"] + HEADERS[1:12] + [" 納期(日) ", "有効開始日", "有効終了日"]
    assert headers[2:13] == HEADERS[1:12]
    row = ["メモ", "X-1"] + [VALID[k] for k in KEYS[1:12]] + [7, "2026-04-01", None]
    [(_, item, errors)] = read([row], headers)
    assert errors == [] and item.sku == "X-1" and item.lead_time_days == 7


def test_optional_columns_may_be_left_out():
    required = [c for c in COLUMNS if c.required]
    [(_, item, errors)] = read([[VALID[c.key] for c in required]], [c.header for c in required])
    assert errors == [] and item.jan is None and item.green is False and item.min_order_qty == 1


def test_missing_required_headers_are_all_named():
    headers = [h for h in HEADERS if h not in ("商品名", "税率", "有効開始日")]
    with pytest.raises(CatalogFileError) as caught:
        CatalogReader(xlsx([], headers))
    assert "商品名" in str(caught.value) and "税率" in str(caught.value) and "有効開始日" in str(caught.value)
    assert "SKU" not in str(caught.value)


def test_a_column_given_twice_is_refused():
    with pytest.raises(CatalogFileError, match="SKU"):
        CatalogReader(xlsx([], HEADERS + ["SKU"]))


@pytest.mark.parametrize("content", [b"", b"SKU,name\nA,b\n", b"PK\x03\x04 broken zip", "日本語".encode()])
def test_a_file_that_is_not_xlsx_is_refused(content):
    with pytest.raises(CatalogFileError, match="xlsx"):
        CatalogReader(io.BytesIO(content))


def test_an_empty_sheet_names_all_required_columns():
    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with pytest.raises(CatalogFileError) as caught:
        CatalogReader(out)
    assert all(c.header in str(caught.value) for c in COLUMNS if c.required)


# --------------------------------------------------------------------------- property: any valid row reads back

TEXT_CHARS = st.sampled_from("abcXYZ019あいう漢字製品用紙ー")
words = st.lists(st.text(TEXT_CHARS, min_size=1, max_size=8), min_size=1, max_size=4).map(" ".join)
cents = st.integers(0, 10 ** 9).map(lambda n: Decimal(n) / 100)


def spelled(value, draw):
    """Write a number or its text the way a person might: as is, as text, or full-width text."""
    choice = draw(st.sampled_from(["as is", "text", "full"]))
    return value if choice == "as is" else str(value) if choice == "text" else str(value).translate(FULL_WIDTH)


@st.composite
def rows(draw):
    contract = draw(cents)
    list_price = contract + draw(cents)
    tier_count = draw(st.integers(0, 3))
    quantities = sorted(draw(st.sets(st.integers(1, 10 ** 6), min_size=tier_count, max_size=tier_count)))
    prices = sorted((draw(st.integers(0, int(contract * 100))) / Decimal(100) for _ in quantities), reverse=True)
    separator, colon = draw(st.sampled_from([";", "；", "、", "\n", "; "])), draw(st.sampled_from([":", "："]))
    tiers_text = separator.join(f"{q}{colon}{p}" for q, p in zip(quantities, prices))
    jan = draw(st.none() | st.sampled_from([7, 12]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
               .map(lambda body: body + ean.calc_check_digit(body)))
    valid_from = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    valid_to = draw(st.none() | st.integers(0, 3650).map(lambda days: valid_from + timedelta(days=days)))
    tax_text, tax = draw(st.sampled_from([("10%", "0.10"), (0.1, "0.10"), ("１０％", "0.10"), ("軽減8%", "0.08"),
                                          (8, "0.08"), ("0.08", "0.08")]))
    green_text, green = draw(st.sampled_from([("○", True), ("はい", True), (None, False), ("×", False)]))
    min_qty, lead = draw(st.integers(1, 10 ** 6)), draw(st.integers(0, 365))
    date_text = draw(st.sampled_from([valid_from, valid_from.isoformat(), f"{valid_from:%Y/%m/%d}",
                                      f"{valid_from.year}年{valid_from.month}月{valid_from.day}日"]))
    expected = ItemRow(
        row=2, sku=draw(st.text("ABCxyz0189._/-", min_size=1, max_size=40)), jan=jan, name=draw(words),
        spec=draw(st.just("") | words), category=draw(words.filter(lambda s: len(s) <= 60)),
        unit=draw(st.text(TEXT_CHARS, min_size=1, max_size=20)), tax_rate=Decimal(tax), list_price=list_price,
        contract_price=contract, tiers=[[str(q), str(p)] for q, p in zip(quantities, prices)] or None,
        green=green, min_order_qty=min_qty, lead_time_days=lead, valid_from=valid_from, valid_to=valid_to)
    cells = [expected.sku, spelled(jan, draw) if jan else None, "\u3000" + expected.name + " ", expected.spec,
             expected.category, expected.unit, tax_text, spelled(list_price, draw),
             spelled(contract, draw), tiers_text.translate(FULL_WIDTH) if draw(st.booleans()) else tiers_text,
             green_text, spelled(min_qty, draw), spelled(lead, draw),
             date_text.translate(FULL_WIDTH) if isinstance(date_text, str) and draw(st.booleans()) else date_text,
             valid_to]
    return cells, expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_any_valid_row_reads_back_equal(case):
    cells, expected = case
    [(number, item, errors)] = read([cells])
    assert errors == []
    assert item == expected
    assert [str(p) for _, p in item.tiers or []] == [p for _, p in expected.tiers or []]


# --------------------------------------------------------------------------- streaming

def test_a_large_file_is_streamed_not_held():
    required = [c for c in COLUMNS if c.required]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    sheet.append([c.header for c in required])
    for i in range(20_000):
        sheet.append([f"S{i}", f"商品{i}", "事務用品", "箱", "10%", 200, 150, date(2026, 4, 1)])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with CatalogReader(out) as reader:
        rows_iter = iter(reader)
        assert inspect.isgenerator(rows_iter)
        alive, count = [], 0
        for number, item, errors in rows_iter:
            assert not errors
            count += 1
            alive.append(weakref.ref(item))
            del item
        gc.collect()
        # if the reader kept the rows (or built them all before yielding), they would still be alive here
        assert count == 20_000 and sum(ref() is not None for ref in alive) == 0


# --------------------------------------------------------------------------- hostile files

def test_a_zip_bomb_and_a_row_flood_are_refused_before_they_cost_anything():
    import time

    from catalog.upload import LIMITS
    from tests.unit.test_sheets import rows_xml, with_sheet_xml

    template = xlsx([VALID]).getvalue()
    bomb = with_sheet_xml(template, rows_xml(3_500_000))
    started = time.perf_counter()
    with pytest.raises(CatalogFileError, match="展開後のサイズが上限を超えています"):
        CatalogReader(io.BytesIO(bomb))
    assert time.perf_counter() - started < 1 and len(bomb) < 400 * 1024
    assert LIMITS.max_rows == 100_000
    flood = xlsx([{**VALID, "sku": f"S-{n}"} for n in range(60)])
    seen = []
    with pytest.raises(CatalogFileError, match="行数が上限を超えています（上限 50 行）"):
        with CatalogReader(flood, sheets.SheetLimits(max_rows=50)) as reader:
            seen.extend(number for number, _, _ in reader)
    assert seen[-1] == 51  # stopped at the limit, the rest never read

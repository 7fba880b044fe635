"""Every place that reads an uploaded xlsx refuses a zip bomb, a lying dimension costs it nothing
and a flood of rows stops at its limit, each with a message naming the limit, within seconds."""
import io
import time
from types import SimpleNamespace

import pytest

from tests.unit.test_sheets import with_sheet_xml


def _catalog(data):
    from catalog.upload import CatalogFileError, CatalogReader

    try:
        with CatalogReader(io.BytesIO(data)) as reader:
            for _ in reader:
                pass
    except CatalogFileError as exc:
        return [str(exc)]
    return []


def _invoice(data):
    from invoicing.xlsx_invoice import read_invoice_xlsx

    return read_invoice_xlsx(data)[1]


def _facilities(data):
    from tenders.facility_upload import read_facilities

    return read_facilities(data)[1]


def _readings(data):
    from tenders.readings_upload import read_readings

    return read_readings(data)[1]


def _units(data):
    from fees.upload import read_units

    return read_units(data)[1]


def _simulation(data):
    from procure.simulation_xlsx import read_upload

    ward = SimpleNamespace(code="131130", name_ja="渋谷区", name_en="Shibuya")
    return read_upload(io.BytesIO(data), [ward]).errors


def _headers(kind):
    from catalog.upload import COLUMNS
    from fees.upload import HEADERS as UNITS
    from invoicing.xlsx_invoice import HEADERS as INVOICE
    from procure.simulation_xlsx import DEMAND_HEADER
    from tenders.facility_upload import HEADERS as FACILITIES
    from tenders.readings_upload import HEADERS as READINGS

    return {"catalog": [c.header for c in COLUMNS], "invoice": INVOICE, "facilities": FACILITIES,
            "readings": READINGS, "units": UNITS, "simulation": DEMAND_HEADER}[kind]


READERS = {"catalog": _catalog, "invoice": _invoice, "facilities": _facilities, "readings": _readings,
           "units": _units, "simulation": _simulation}


def sheet_xml(headers, rows: int, dimension: str | None = None, row=b"<row><c><v>1</v></c></row>"):
    def cell(text):
        return f'<c t="inlineStr"><is><t>{text}</t></is></c>'
    yield (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"") + b"<sheetData>"
           + ("<row>" + "".join(cell(h) for h in headers) + "</row>").encode())
    for start in range(0, rows, 10_000):
        yield row * min(10_000, rows - start)
    yield b"</sheetData></worksheet>"


def workbook(kind, sheet) -> bytes:
    title = {"catalog": "カタログ", "invoice": "請求書", "simulation": "参加区"}.get(kind, "Sheet")
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = title
    book.active.append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    return with_sheet_xml(buffer.getvalue(), sheet)


@pytest.mark.parametrize("kind", READERS)
def test_a_zip_bomb_is_refused_unread(kind):
    bomb = workbook(kind, sheet_xml(_headers(kind), 4_000_000))
    assert len(bomb) < 300 * 1024
    started = time.perf_counter()
    errors = READERS[kind](bomb)
    assert time.perf_counter() - started < 2
    assert any("展開後のサイズが上限を超えています" in e for e in errors), errors


@pytest.mark.parametrize("kind", READERS)
def test_a_lying_dimension_costs_nothing(kind):
    data = workbook(kind, sheet_xml(_headers(kind), 3, dimension="A1:XFD1048576"))
    started = time.perf_counter()
    READERS[kind](data)  # row errors, whatever: but quickly
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("kind", READERS)
def test_a_flood_of_rows_stops_at_the_limit(kind):
    empty_rows = b"<row/>"  # tiny on disk and inflated: only the row count can stop it
    data = workbook(kind, sheet_xml(_headers(kind), 1_000_000, row=empty_rows))
    started = time.perf_counter()
    errors = READERS[kind](data)
    assert time.perf_counter() - started < 10
    # refused by the row count while streaming, or already by its inflated size where that is lower
    assert any("行数が上限を超えています" in e or "展開後のサイズが上限を超えています" in e for e in errors), errors

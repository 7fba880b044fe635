"""Vendor confirms and ships, inspector inspects, records are viewed and exported (xlsx, PDF)."""
import io
import subprocess
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from procure.formatting import TOKYO
from tests.catalog_data import delivered_order, place, user
from tests.helpers import csrf_token, unit_of_work

VENDOR = "vendor@bunguya.example.jp"
INSPECTOR = "inspector@shibuya.example.jp"


def test_vendor_confirms_and_ships_in_two_deliveries(app, client, login):
    from catalog.order_models import OrderLine
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    with unit_of_work(app):
        order = place(lines=(("B-PEN-001", 30), ("B-CLP-001", 2)))
        order_id, pen, clip = order.id, order.lines[0].id, order.lines[1].id
    login(VENDOR)
    assert str(order_id) in client.get("/vendor/orders").get_data(as_text=True)
    token = csrf_token(client, f"/vendor/orders/{order_id}")
    client.post(f"/vendor/orders/{order_id}/confirm", data={"csrf_token": token})
    day = (today_in_tokyo() + timedelta(days=1)).isoformat()
    response = client.post(f"/vendor/orders/{order_id}/deliveries", data={
        "csrf_token": token, "note_number": "DN-1", "delivered_on": day, f"qty_{pen}": "３１", f"qty_{clip}": "0"})
    assert response.status_code == 422 and "0〜30" in response.get_data(as_text=True)
    client.post(f"/vendor/orders/{order_id}/deliveries", data={
        "csrf_token": token, "note_number": "DN-1", "delivered_on": day, f"qty_{pen}": "20", f"qty_{clip}": "0"})
    response = client.post(f"/vendor/orders/{order_id}/deliveries", data={
        "csrf_token": token, "note_number": "DN-1", "delivered_on": day, f"qty_{pen}": "10", f"qty_{clip}": "2"})
    assert "既に使われています" in response.get_data(as_text=True)
    client.post(f"/vendor/orders/{order_id}/deliveries", data={
        "csrf_token": token, "note_number": "DN-2", "delivered_on": day, f"qty_{pen}": "10", f"qty_{clip}": "2"})
    with unit_of_work(app):
        lines = [db.session.get(OrderLine, i) for i in (pen, clip)]
        assert [(l.delivered_quantity, l.fulfilment) for l in lines] == [(30, "delivered"), (2, "delivered")]
        assert lines[1].confirmed_at is not None


def test_delivery_note_pdf_is_a_real_japanese_pdf(app, client, login, tmp_path):
    refs = delivered_order(app)
    login(VENDOR)
    response = client.get(f"/deliveries/{refs['delivery']}/note.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "納品書" in text and f"DN-{refs['order']}" in text and "油性ボールペン 黒" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-JP" in fonts
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows)  # every font embedded


def test_inspection_per_line_with_reasons_and_all_errors_at_once(app, client, login):
    from deliveries.models import Delivery, Inspection
    from procure.extensions import db

    with unit_of_work(app):
        order = place(lines=(("B-PEN-001", 10), ("B-CLP-001", 2)))
        from catalog.fulfilment import ship
        from procure.formatting import today_in_tokyo

        delivery = ship(user(VENDOR), order.id, "DN-X", today_in_tokyo(),
                        {line.id: line.quantity for line in order.lines})
        delivery_id = delivery.id
        pen_line, clip_line = (l.id for l in delivery.lines)
    login(INSPECTOR)
    assert "DN-X" in client.get("/ward/inspections").get_data(as_text=True)
    token = csrf_token(client, f"/deliveries/{delivery_id}")
    bad = client.post(f"/deliveries/{delivery_id}/inspection", data={
        "csrf_token": token, f"accepted_{pen_line}": "8", f"rejected_{pen_line}": "1",
        f"accepted_{clip_line}": "1", f"rejected_{clip_line}": "1"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "納品数 10" in text and "不合格の理由" in text
    with unit_of_work(app):
        assert db.session.scalar(select(Inspection.id)) is None  # nothing saved
    good = client.post(f"/deliveries/{delivery_id}/inspection", data={
        "csrf_token": token, f"accepted_{pen_line}": "９", f"rejected_{pen_line}": "1",
        f"reason_{pen_line}": "インク漏れ", f"accepted_{clip_line}": "2", f"rejected_{clip_line}": "0"})
    assert good.status_code == 302
    with unit_of_work(app):
        rows = db.session.scalars(select(Inspection).order_by(Inspection.id)).all()
        assert [(r.accepted_quantity, r.rejected_quantity, r.rejection_reason) for r in rows] == [
            (9, 1, "インク漏れ"), (2, 0, None)]
        assert rows[0].inspector.email == INSPECTOR and rows[0].inspected_at is not None
    again = client.post(f"/deliveries/{delivery_id}/inspection", data={
        "csrf_token": token, f"accepted_{pen_line}": "10", f"rejected_{pen_line}": "0"})
    assert again.status_code == 422  # already inspected: no second record


def test_records_filter_and_export_xlsx_and_pdf(app, client, login, tmp_path):
    from procure.formatting import today_in_tokyo

    refs = delivered_order(app)
    login(INSPECTOR)
    token = csrf_token(client, f"/deliveries/{refs['delivery']}")
    from procure.extensions import db
    from deliveries.models import Delivery

    with unit_of_work(app):
        delivery = db.session.get(Delivery, refs["delivery"])
        line_id, month = delivery.lines[0].id, delivery.delivered_on.strftime("%Y-%m")
        facility = delivery.facility_id
    client.post(f"/deliveries/{refs['delivery']}/inspection",
                data={"csrf_token": token, f"accepted_{line_id}": "10", f"rejected_{line_id}": "0"})
    page = client.get(f"/records?month={month}&facility={facility}").get_data(as_text=True)
    assert f"DN-{refs['order']}" in page and "渋谷 検収" in page
    empty = client.get("/records?month=2020-01").get_data(as_text=True)
    assert "この月の記録はありません" in empty
    sheet = load_workbook(io.BytesIO(client.get(f"/records.xlsx?month={month}").data)).active
    assert sheet["A2"].value == "納品日" and sheet["F3"].value == "油性ボールペン 黒" and sheet["I3"].value == 10
    pdf = client.get(f"/records.pdf?month={month}")
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "records.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "納品・検収記録" in text and "油性ボールペン 黒" in text


def test_other_ward_cannot_see_or_inspect(app, client, login):
    refs = delivered_order(app)
    login("staff@setagaya.example.jp")
    assert client.get(f"/deliveries/{refs['delivery']}").status_code == 404
    assert f"DN-{refs['order']}" not in client.get("/records").get_data(as_text=True)


def test_export_cells_are_never_formulas(app, client, login):
    from deliveries.models import DeliveryLine
    from procure.extensions import db

    refs = delivered_order(app)
    with unit_of_work(app):
        line = db.session.scalar(select(DeliveryLine).filter_by(delivery_id=refs["delivery"]))
        line.description = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    login(INSPECTOR)
    from procure.formatting import today_in_tokyo

    month = (today_in_tokyo() + timedelta(days=1)).strftime("%Y-%m")
    book = load_workbook(io.BytesIO(client.get(f"/records.xlsx?month={month}").data))
    cell = book.active["F3"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_deliveries_cannot_be_dated_ahead_and_inspection_waits_for_the_delivery_date(app):
    from datetime import timedelta

    import pytest as _pytest

    from catalog.fulfilment import FulfilmentError, ship
    from catalog.order_models import Order
    from deliveries.inspection import InspectionEntry
    from deliveries.services import DeliveryError, inspect_delivery
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    today = today_in_tokyo()
    with unit_of_work(app):
        order = place()
        requested = db.session.get(Order, order.id).requested_delivery_date
        quantities = {line.id: line.quantity for line in order.lines}
        with _pytest.raises(FulfilmentError, match="納品希望日|未来"):
            ship(user(VENDOR), order.id, "DN-AHEAD", max(today, requested) + timedelta(days=90), quantities)
        delivery = ship(user(VENDOR), order.id, "DN-SCHEDULED", max(today, requested), quantities)
        entries = [InspectionEntry(l.id, l.quantity, 0) for l in delivery.lines]
        if delivery.delivered_on > today:
            with _pytest.raises(DeliveryError, match="より前には検収できません"):
                inspect_delivery(user("inspector@shibuya.example.jp"), delivery.id, entries)
        inspect_delivery(user("inspector@shibuya.example.jp"), delivery.id, entries, today=delivery.delivered_on)


def test_an_over_long_delivery_note_number_is_refused_not_cut(app):
    import pytest

    from deliveries import services as deliveries

    with unit_of_work(app):
        vendor = user("vendor@bunguya.example.jp")
        assert deliveries.free_note_number(vendor.vendor_id, "Ｎ－" + "1" * 38) == "N-" + "1" * 38  # NFKC, 40
        with pytest.raises(deliveries.DeliveryError, match="40 文字以内"):
            deliveries.free_note_number(vendor.vendor_id, "N-" + "1" * 39)


def test_an_order_prints_as_a_purchase_order_per_vendor_with_japanese_era_dates(app, client, login, tmp_path):
    import subprocess

    from procure.formatting import wareki
    from tests.catalog_data import place

    with unit_of_work(app):
        order = place(lines=(("B-PEN-001", 10), ("J-PEN-001", 10)))
        order_id, placed = order.id, order.placed_at
    login("staff@shibuya.example.jp")
    assert "発注書（PDF）" in client.get(f"/ward/orders/{order_id}").get_data(as_text=True)
    response = client.get(f"/ward/orders/{order_id}/order.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "order.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    squeeze = lambda t: "".join(t.split())  # the title is letter-spaced in the PDF
    pages = [squeeze(page) for page in text.split("\f")]
    assert sum("発注書" in page for page in pages) == 2  # one per vendor
    for expected in ("株式会社文具屋 御中", f"注文番号: {order_id}", wareki(placed), "渋谷区", "10%対象", "合計（税込）",
                     "登録番号: T2011001071234"):
        assert squeeze(expected) in squeeze(text), expected
    other = app.test_client()
    from tests.helpers import csrf_token, sign_in

    sign_in(other, "staff@setagaya.example.jp")
    assert other.get(f"/ward/orders/{order_id}/order.pdf").status_code == 404
    # The ward's accounting staff choose 西暦 for its documents: the same order prints so.
    accounting = app.test_client()
    sign_in(accounting, "inspector@shibuya.example.jp")
    token = csrf_token(accounting, "/ward/billing")
    assert accounting.post("/ward/billing", data={"csrf_token": token, "document_dates": "western"}).status_code == 302
    assert accounting.post("/ward/billing", data={"csrf_token": token, "document_dates": "meiji"}).status_code == 200
    path.write_bytes(client.get(f"/ward/orders/{order_id}/order.pdf").data)
    western = squeeze(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                     check=True).stdout)
    placed_in_tokyo = placed.astimezone(TOKYO).date()
    assert f"発注日:{placed_in_tokyo.year}年{placed_in_tokyo.month}月{placed_in_tokyo.day}日" in western
    assert "令和" not in western


def test_an_inspected_delivery_prints_as_an_inspection_record_with_amounts(app, client, login, tmp_path):
    from deliveries.inspection import InspectionEntry
    from deliveries.services import inspect_delivery
    from procure.extensions import db
    from deliveries.models import Delivery

    refs = delivered_order(app)  # 10 pens at ¥68
    login("inspector@shibuya.example.jp")
    assert client.get(f"/deliveries/{refs['delivery']}/inspection.pdf").status_code == 404  # not inspected yet
    with unit_of_work(app):
        delivery = db.session.get(Delivery, refs["delivery"])
        inspect_delivery(user("inspector@shibuya.example.jp"), delivery.id,
                         [InspectionEntry(delivery.lines[0].id, 8, 2, "破損")])
    assert "検収調書（PDF）" in client.get(f"/deliveries/{refs['delivery']}").get_data(as_text=True)
    response = client.get(f"/deliveries/{refs['delivery']}/inspection.pdf")
    path = tmp_path / "inspection.pdf"
    path.write_bytes(response.data)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    for expected in ("検収調書", "破損", "¥68", "¥544", "10%対象", "令和"):  # 8 accepted x ¥68 = ¥544
        assert expected in text, expected

"""A vendor's own JP PINT invoice: qualified-invoice rules, three-way matching, the ward's
resolution of discrepancies (accept, credit note, corrected invoice)."""
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.catalog_data import inspected_last_month, user
from tests.functional.test_invoicing import generate
from tests.helpers import csrf_token, unit_of_work

VENDOR = "vendor@bunguya.example.jp"
ACCOUNTING = "inspector@shibuya.example.jp"


def ubl_for_last_month(app, quantity=None, price=None, registration=None):
    """The vendor's own XML for last month's inspected order (9 of 10 pens accepted)."""
    from catalog.order_models import OrderLine
    from invoicing.tax import TaxLine, tax_summary
    from invoicing.ubl import UblInvoice, UblLine, to_ubl_xml
    from invoicing.service import month_end
    from procure.extensions import db

    year, month, order_id = inspected_last_month(app, rejected=1)
    with unit_of_work(app):
        line = db.session.scalar(select(OrderLine).filter_by(order_id=order_id))
        quantity = Decimal(quantity if quantity is not None else 9)
        price = Decimal(price if price is not None else line.unit_price)
        amount = quantity * price
        tax = tax_summary([TaxLine(amount, Decimal("0.10"))], "down")[Decimal("0.10")].tax
        doc = UblInvoice(number=f"OWN-{order_id}", issue_date=month_end(year, month), due_date=None,
                         seller_name="株式会社文具屋", seller_registration_number=registration or "T2011001071234",
                         seller_address="東京都渋谷区道玄坂1-10-8", buyer_name="渋谷区", buyer_address="東京都渋谷区",
                         buyer_reference="131130", order_reference=str(order_id),
                         lines=[UblLine("1", line.name, quantity, "H87", price, amount, Decimal("0.10"), str(line.id))],
                         tax_by_rate={Decimal("0.10"): tax}, amount_by_rate={Decimal("0.10"): amount},
                         payable_amount=amount + tax)
        return to_ubl_xml(doc), line.id


def upload(client, xml: bytes):
    import io

    token = csrf_token(client, "/invoices")
    return client.post("/vendor/invoices/upload", data={"csrf_token": token, "file": (io.BytesIO(xml), "inv.xml")},
                       content_type="multipart/form-data")


def test_generated_invoice_round_trips_as_jp_pint_xml(app, client, login):
    from invoicing.ubl import parse_ubl_xml

    year, month, _ = inspected_last_month(app)
    invoice_id = generate(app, year, month)[0]
    login(VENDOR)
    doc = parse_ubl_xml(client.get(f"/invoices/{invoice_id}.xml").data)
    assert doc.seller_registration_number == "T2011001071234" and doc.buyer_reference == "131130"
    assert doc.payable_amount == Decimal(748) and doc.tax_by_rate == {Decimal("0.10"): Decimal(68)}


def test_matching_own_invoice_is_payable(app, client, login):
    from invoicing.models import Invoice
    from procure.extensions import db

    xml, _ = ubl_for_last_month(app)
    login(VENDOR)
    response = upload(client, xml)
    assert response.status_code == 302
    with unit_of_work(app):
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.source, invoice.status, invoice.total) == ("ubl", "payable", Decimal(673))


def test_invoice_breaking_a_rule_is_rejected_saying_which(app, client, login):
    from invoicing.models import Invoice
    from procure.extensions import db

    xml, _ = ubl_for_last_month(app, registration="T2011001071235")  # wrong check digit
    login(VENDOR)
    response = upload(client, xml)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "登録番号" in text and "何も登録していません" in text
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_discrepancy_resolved_by_credit_note_then_payable(app, client, login):
    from invoicing.models import Invoice
    from procure.extensions import db

    xml, _ = ubl_for_last_month(app, quantity=10)  # bills 10, only 9 accepted
    login(VENDOR)
    upload(client, xml)
    with unit_of_work(app):
        invoice = db.session.scalar(select(Invoice))
        invoice_id, line_id = invoice.id, invoice.lines[0].id
        assert invoice.status == "discrepancy" and not invoice.lines[0].matched
        assert invoice.lines[0].discrepancies[0]["code"] == "quantity_exceeds_accepted"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/invoices")})
    login(ACCOUNTING)
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "不一致" in page
    token = csrf_token(client, f"/invoices/{invoice_id}")
    url = f"/invoices/{invoice_id}/lines/{line_id}/resolution"
    client.post(url, data={"csrf_token": token, "resolution": "credit_note", "note": "", "credit_amount": "68"})
    with unit_of_work(app):
        assert db.session.get(Invoice, invoice_id).status == "discrepancy"  # a reason is required
    client.post(url, data={"csrf_token": token, "resolution": "credit_note", "note": "1本分を赤伝で",
                           "credit_amount": "６８"})
    with unit_of_work(app):
        invoice = db.session.get(Invoice, invoice_id)
        # 68 yen of goods and the 7 yen of tax they carried: the ward pays what 9 pens cost (612 + 61)
        assert (invoice.status, invoice.credit, invoice.payable_amount) == ("payable", Decimal(75), Decimal(673))


def test_correction_requested_then_a_corrected_invoice_supersedes(app, client, login):
    from invoicing.models import Invoice
    from procure.extensions import db

    xml, order_line_id = ubl_for_last_month(app, price="70")  # contract price is 68
    login(VENDOR)
    upload(client, xml)
    with unit_of_work(app):
        first = db.session.scalar(select(Invoice))
        first_id, line_id = first.id, first.lines[0].id
        assert first.lines[0].discrepancies[0]["code"] == "price_differs_from_contract"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/invoices")})
    login(ACCOUNTING)
    token = csrf_token(client, f"/invoices/{first_id}")
    client.post(f"/invoices/{first_id}/lines/{line_id}/resolution",
                data={"csrf_token": token, "resolution": "correction", "note": "契約単価は68円です"})
    client.post("/logout", data={"csrf_token": token})
    from invoicing.ubl import parse_ubl_xml, to_ubl_xml

    doc = parse_ubl_xml(xml)
    line = replace(doc.lines[0], unit_price=Decimal(68), amount=Decimal(612))
    corrected = replace(doc, number=doc.number + "-R", lines=[line], amount_by_rate={Decimal("0.10"): Decimal(612)},
                        tax_by_rate={Decimal("0.10"): Decimal(61)}, payable_amount=Decimal(673))
    login(VENDOR)
    assert upload(client, to_ubl_xml(corrected)).status_code == 302
    with unit_of_work(app):
        rows = {i.number: i for i in db.session.scalars(select(Invoice))}
        assert rows[doc.number].status == "superseded"
        assert rows[doc.number + "-R"].status == "payable"
        assert rows[doc.number + "-R"].supersedes_id == first_id


def test_ward_tolerance_lets_a_small_price_difference_match(app, client, login):
    from invoicing.models import Invoice
    from procure.extensions import db

    login(ACCOUNTING)
    token = csrf_token(client, "/ward/billing")
    client.post("/ward/billing", data={"csrf_token": token, "tolerance_yen": "２０", "tolerance_percent": "5"})
    client.post("/logout", data={"csrf_token": token})
    xml, _ = ubl_for_last_month(app, price="70")  # 2 yen x 9 = 18 yen over: within 20 yen and 5%
    login(VENDOR)
    upload(client, xml)
    with unit_of_work(app):
        invoice = db.session.scalar(select(Invoice))
        assert invoice.status == "payable" and invoice.lines[0].matched


def xlsx_upload(client, rows):
    import io

    from openpyxl import Workbook

    from invoicing.xlsx_invoice import HEADERS

    book = Workbook()
    book.active.title = "請求書"
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    token = csrf_token(client, "/invoices")
    return client.post("/vendor/invoices/upload", data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()),
                                                                                      "inv.xlsx")},
                       content_type="multipart/form-data")


def test_xlsx_invoice_is_matched_and_bad_rows_are_all_reported(app, client, login):
    from invoicing.models import Invoice
    from invoicing.service import month_end
    from procure.extensions import db

    year, month, order_id = inspected_last_month(app, rejected=1)
    with unit_of_work(app):
        from catalog.order_models import OrderLine

        line_id = db.session.scalar(select(OrderLine.id).filter_by(order_id=order_id))
    issued = month_end(year, month).isoformat()
    login(VENDOR)
    template = client.get("/vendor/invoices/template.xlsx")
    assert template.status_code == 200
    bad = xlsx_upload(client, [("X-1", issued, "131130", line_id, "ペン", "９", "本", "68", "612", "5%"),
                               ("X-1", issued, "131130", line_id, "", "abc", "本", "68", "612", "10%")])
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for expected in ("2行目「税率」", "3行目「数量」", "3行目「品名」"):
        assert expected in text, text[text.find("<main"):text.find("</main>")]
    good = xlsx_upload(client, [("X-1", issued, "131130", line_id, "油性ボールペン 黒", "９", "本", "68", "612", "10%"),
                                ("X-1", issued, "131130", "", "収入印紙代（立替）", "1", "枚", "200", "200", "不課税")])
    assert good.status_code == 302
    with unit_of_work(app):
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.source, invoice.status, invoice.tax_standard, invoice.amount_non_taxable, invoice.total) == (
            "xlsx", "discrepancy", Decimal(61), Decimal(200), Decimal(873))
        assert invoice.lines[0].matched and invoice.lines[1].non_taxable_category == "O"


def test_the_same_goods_billed_on_a_second_invoice_can_never_be_accepted(app, client, login):
    """Generated and paid, then billed again by an uploaded invoice: flagged 二重請求, the
    「このまま受け入れる」 choice is not offered and refused if sent, a partial credit is refused;
    a correction request or a full credit note settles it."""
    from dataclasses import replace as _replace

    from invoicing import payments, service
    from invoicing.models import Invoice, Payment
    from invoicing.ubl import parse_ubl_xml, to_ubl_xml
    from invoicing.upload import upload_ubl
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    xml, _ = ubl_for_last_month(app)  # 9 accepted pens, not yet billed
    year, month = parse_ubl_xml(xml).issue_date.year, parse_ubl_xml(xml).issue_date.month
    (first,) = generate(app, year, month)
    with unit_of_work(app):
        today = today_in_tokyo()
        transfer = payments.earliest_transfer_date(today, 1)
        batch = payments.zengin_batch(user(ACCOUNTING), [first], transfer, today)
        payments.send_zengin_batch(user(ACCOUNTING), batch.id)
        payments.confirm_zengin_batch(user(ACCOUNTING), batch.id, transfer)
        second = upload_ubl(user(VENDOR), to_ubl_xml(_replace(parse_ubl_xml(xml), number="AGAIN-1")))
        second_id, line_id = second.id, second.lines[0].id
        line = second.lines[0]
        assert second.status == "discrepancy" and "already_billed" in {d["code"] for d in line.discrepancies}
        with pytest.raises(service.InvoicingError, match="このまま受け入れることはできません"):
            service.resolve_line(user(ACCOUNTING), line_id, "accept", "支払います")
        with pytest.raises(service.InvoicingError, match="全額"):
            service.resolve_line(user(ACCOUNTING), line_id, "credit_note", "一部", Decimal(68))
    login(ACCOUNTING)
    page = client.get(f"/invoices/{second_id}").get_data(as_text=True)
    assert "二重請求の疑い" in page and 'value="accept"' not in page
    with unit_of_work(app):
        service.resolve_line(user(ACCOUNTING), line_id, "credit_note", "請求済みの品物", Decimal(612))
        settled = db.session.get(Invoice, second_id)
        # Credited in full: nothing owed, settled without a payment of 0 yen.
        assert (settled.payable_amount, settled.status) == (0, "paid")
        assert db.session.scalar(select(func.count()).select_from(Payment).filter_by(invoice_id=second_id)) == 0
        assert db.session.get(Invoice, first).status == "paid"


# --- billed once, by the database (invoicing.ledger) ------------------------------------------

def test_a_credit_note_for_the_rejected_box_claims_only_the_units_paid(app):
    from invoicing import service
    from invoicing.models import BilledUnits
    from invoicing.upload import upload_ubl
    from procure.extensions import db

    xml, order_line_id = ubl_for_last_month(app, quantity=10)  # 9 of 10 accepted
    with unit_of_work(app):
        invoice = upload_ubl(user(VENDOR), xml)
        line_id = invoice.lines[0].id
        assert invoice.status == "discrepancy" and invoice.lines[0].counted_quantity is None
    with unit_of_work(app):
        invoice = service.resolve_line(user(ACCOUNTING), line_id, "credit_note", "1本分を赤伝で", Decimal(68))
        assert invoice.status == "payable" and invoice.lines[0].counted_quantity == 9
        row = db.session.scalars(select(BilledUnits).filter_by(kind="order_line", ref_id=order_line_id)).one()
        assert (row.billed, row.accepted) == (9, 9)


def test_a_second_invoice_for_paid_goods_cannot_become_payable(app):
    from invoicing import service
    from invoicing.upload import upload_ubl

    xml, _ = ubl_for_last_month(app)
    with unit_of_work(app):
        assert upload_ubl(user(VENDOR), xml).status == "payable"
    with unit_of_work(app):
        second = upload_ubl(user(VENDOR), xml.replace(b"OWN-", b"AGAIN-"))
        line_id = second.lines[0].id
        assert second.status == "discrepancy"
        assert "already_billed" in {d["code"] for d in second.lines[0].discrepancies}
    with unit_of_work(app), pytest.raises(service.InvoicingError):
        service.resolve_line(user(ACCOUNTING), line_id, "accept", "支払います")
    with unit_of_work(app):  # credited in full, it claims nothing and is settled at 0 yen
        invoice = service.resolve_line(user(ACCOUNTING), line_id, "credit_note", "請求済み", Decimal(612))
        assert invoice.status == "paid" and invoice.lines[0].counted_quantity == 0


def test_the_database_refuses_more_billed_units_than_accepted(app):
    from sqlalchemy.exc import IntegrityError

    from invoicing.models import BilledUnits
    from procure.extensions import db

    with unit_of_work(app):
        db.session.add(BilledUnits(kind="order_line", ref_id=1, line_index=0, period=0, accepted=9, billed=9))
    with unit_of_work(app), pytest.raises(IntegrityError):
        db.session.execute(BilledUnits.__table__.update().values(billed=BilledUnits.billed + 1))
        db.session.flush()


def test_hostile_or_odd_uploads_get_a_reason_never_a_500(app, client, login):
    import io

    from invoicing.models import Invoice
    from procure.extensions import db
    from tests.unit.test_sheets import book_bytes, rows_xml, with_sheet_xml

    xml, line_id = ubl_for_last_month(app)
    login(VENDOR)
    token = csrf_token(client, "/invoices")

    def post(data, name):
        return client.post("/vendor/invoices/upload", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    cases = {
        "UTF-8": post(xml.replace(b"encoding='UTF-8'", b"encoding='Shift_JIS'", 1), "sjis.xml"),
        "展開後のサイズが上限を超えています": post(with_sheet_xml(book_bytes([["a"]]), rows_xml(2_500_000)), "bomb.xlsx"),
        "請求書番号は 40 文字以内": post(xml.replace(b"OWN-", b"OWN-" + b"9" * 40, 1), "long.xml"),
        "数値ではありません": post(xml.replace(b'PayableAmount currencyID="JPY">', b'PayableAmount currencyID="JPY">'
                                              + b"1" * 41, 1), "huge.xml"),
    }
    for reason, response in cases.items():
        text = response.get_data(as_text=True)
        assert response.status_code == 422 and reason in text, (reason, response.status_code)
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


def with_stamp_duty(xml: bytes) -> bytes:
    """The vendor's invoice with a line outside the tax added: a 収入印紙 paid for the ward (不課税, O)."""
    from invoicing.ubl import UblLine, parse_ubl_xml, to_ubl_xml

    doc = parse_ubl_xml(xml)
    stamp = UblLine("2", "収入印紙代（立替）", Decimal(1), "H87", Decimal(200), Decimal(200), Decimal(0), category="O")
    return to_ubl_xml(replace(doc, lines=[*doc.lines, stamp], non_taxable_by_category={"O": Decimal(200)},
                              payable_amount=doc.payable_amount + 200))


def test_a_line_outside_the_tax_is_stored_shown_and_settled_by_the_ward(app, client, login):
    """An invoice with a 不課税 line is accepted; the goods line still matches its order, the
    不課税 line waits for the ward's decision; accepted, it is paid with no tax on it, and the
    page, PDF and CSV name its category."""
    from invoicing.models import Invoice
    from procure.extensions import db
    from tests.helpers import pdf_text

    xml, _ = ubl_for_last_month(app)
    login(VENDOR)
    assert upload(client, with_stamp_duty(xml)).status_code == 302
    with unit_of_work(app):
        invoice = db.session.scalar(select(Invoice))
        goods, stamp = invoice.lines
        assert (invoice.status, invoice.total, invoice.amount_non_taxable) == ("discrepancy", Decimal(873), Decimal(200))
        assert (invoice.amount_standard, invoice.tax_standard) == (Decimal(612), Decimal(61))
        assert goods.matched and not stamp.matched and stamp.non_taxable_category == "O" and stamp.tax_rate == 0
        assert stamp.discrepancies[0]["code"] == "non_taxable_line"
        invoice_id, stamp_id, month = invoice.id, stamp.id, f"{invoice.year}-{invoice.month:02d}"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/invoices")})
    login(ACCOUNTING)
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "不課税の明細です" in page and "非課税・不課税等（消費税なし）" in page
    token = csrf_token(client, f"/invoices/{invoice_id}")
    client.post(f"/invoices/{invoice_id}/lines/{stamp_id}/resolution",
                data={"csrf_token": token, "resolution": "accept", "note": "印紙代は立替として支払う"})
    with unit_of_work(app):
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.payable_amount) == ("payable", Decimal(873))
    text = pdf_text(client.get(f"/invoices/{invoice_id}.pdf").data)
    assert "収入印紙代（立替）" in text and "不課税（消費税なし）¥200" in text
    rows = client.get(f"/invoices.csv?encoding=utf-8&month={month}").data.decode("utf-8-sig").splitlines()
    header, *lines = [row.split(",") for row in rows]
    stamp_row = dict(zip(header, lines[1]))
    assert (stamp_row["税率"], stamp_row["非課税等"], stamp_row["請求額（税込）"]) == ("不課税", "200", "873")


def test_a_credit_on_a_line_outside_the_tax_takes_off_its_amount_and_no_tax(app, client, login):
    from invoicing import service
    from invoicing.models import Invoice
    from procure.extensions import db

    xml, _ = ubl_for_last_month(app)
    login(VENDOR)
    assert upload(client, with_stamp_duty(xml)).status_code == 302
    with unit_of_work(app):
        stamp_id = db.session.scalar(select(Invoice)).lines[1].id
    with unit_of_work(app):
        invoice = service.resolve_line(user(ACCOUNTING), stamp_id, "credit_note", "印紙は区で用意済み", Decimal(200))
        assert (invoice.status, invoice.credit, invoice.payable_amount) == ("payable", Decimal(200), Decimal(673))

"""Invoices from inspections, qualified-invoice rules, three-way matching, PDF, exports, Zengin."""
import csv
import io
import re
import subprocess
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.catalog_data import inspected_last_month, user
from tests.helpers import csrf_token, unit_of_work

VENDOR = "vendor@bunguya.example.jp"
ACCOUNTING = "inspector@shibuya.example.jp"


def generate(app, year, month):
    from invoicing import service
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from procure.models import Ward

    with unit_of_work(app):
        vendor = user(VENDOR)
        made = []
        for ward in db.session.scalars(select(Ward)):
            made += [i.id for i in service.generate_invoice(vendor.vendor, ward, year, month, vendor,
                                                            today_in_tokyo())]
        return made


def invoice(app, invoice_id):
    from invoicing.models import Invoice
    from procure.extensions import db

    with unit_of_work(app):
        row = db.session.get(Invoice, invoice_id)
        lines = [(l.description, l.quantity, l.unit_price, l.amount, l.matched) for l in row.lines]
        return row.status, row.total, row.tax_standard, lines


def test_monthly_invoice_bills_accepted_quantities_once(app, client, login):
    year, month, _ = inspected_last_month(app, rejected=1)  # 10 delivered, 9 accepted
    made = generate(app, year, month)
    assert len(made) == 1
    status, total, tax, lines = invoice(app, made[0])
    assert lines == [("油性ボールペン 黒", Decimal(9), Decimal(68), Decimal(612), True)]
    assert (tax, total, status) == (Decimal(61), Decimal(673), "payable")  # 612 x 10% = 61.2 -> 61
    assert generate(app, year, month) == []  # nothing left to bill


def test_tax_is_rounded_once_per_rate_on_the_invoice(app):
    from catalog.order_models import OrderLine
    from procure.extensions import db

    year, month, order_id = inspected_last_month(app, lines=(("B-PEN-001", 10), ("B-PEN-002", 10)))
    with unit_of_work(app):
        for line in db.session.scalars(select(OrderLine).filter_by(order_id=order_id)):
            line.unit_price, line.quantity = Decimal("15.5"), 10  # two lines of 155 yen
        db.session.commit()
    status, total, tax, lines = invoice(app, generate(app, year, month)[0])
    assert [l[3] for l in lines] == [Decimal(155), Decimal(155)]
    assert tax == Decimal(31) and total == Decimal(341)  # not 15 + 15 = 30


def test_invoice_pdf_is_a_japanese_qualified_invoice(app, client, login, tmp_path):
    year, month, _ = inspected_last_month(app, lines=(("B-PEN-001", 10), ("B-WTR-001", 2)))
    invoice_id = generate(app, year, month)[0]
    login(ACCOUNTING)
    response = client.get(f"/invoices/{invoice_id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"請\s*求\s*書", text)
    # 680 + 68 tax; 2,300 + 184 tax at the reduced rate, marked ※
    for expected in ("渋谷区 御中", "T2011001071234", "10%対象", "8%対象", "¥748", "¥2,484", "¥3,232",
                     "保存水 2L ※", "株式会社文具屋"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-JP" in fonts
    assert all(row.split()[-5] == "yes" for row in fonts.splitlines()[2:])


def test_exports_xlsx_and_csv_in_utf8_and_cp932(app, client, login):
    year, month, _ = inspected_last_month(app)
    generate(app, year, month)
    login(ACCOUNTING)
    ym = f"{year}-{month:02d}"
    sheet = load_workbook(io.BytesIO(client.get(f"/invoices.xlsx?month={ym}").data)).active
    assert sheet["A2"].value == "請求書番号" and sheet["H3"].value == "油性ボールペン 黒"
    utf8 = client.get(f"/invoices.csv?month={ym}&encoding=utf-8").data
    assert utf8.startswith("\ufeff".encode())
    cp932 = client.get(f"/invoices.csv?month={ym}").data  # CP932 by default, for Excel
    rows = list(csv.reader(io.StringIO(cp932.decode("cp932"))))
    assert rows[0][0] == "請求書番号" and rows[1][7] == "油性ボールペン 黒"
    header = rows[0]
    line = dict(zip(header, rows[1]))
    assert (line["金額（税抜）"], line["単価"], line["数量"]) == ("680", "68", "10")  # not 680.0000
    assert line["状態"] in ("不一致あり", "支払可能")  # Japanese, not the stored key


def test_other_ward_and_other_vendor_cannot_see_an_invoice(app, client, login):
    year, month, _ = inspected_last_month(app)
    invoice_id = generate(app, year, month)[0]
    login("staff@setagaya.example.jp")
    assert client.get(f"/invoices/{invoice_id}").status_code == 404
    assert client.get(f"/invoices/{invoice_id}.pdf").status_code == 404


def test_zengin_transfer_file_pays_each_invoice_once(app, client, login):
    from invoicing.models import Invoice, Payment, ZenginBatch
    from invoicing.zengin import parse_transfer_file
    from procure.extensions import db

    year, month, _ = inspected_last_month(app)
    invoice_id = generate(app, year, month)[0]
    login(ACCOUNTING)
    token = csrf_token(client, "/ward/payments")
    from procure.formatting import today_in_tokyo

    from invoicing.payments import earliest_transfer_date

    from datetime import date

    sunday = date(2026, 12, 6)
    holiday = client.post("/ward/payments", data={"csrf_token": token, "invoice_id": str(invoice_id),
                                                  "transfer_date": sunday.isoformat()}, follow_redirects=True)
    assert "振込指定日 2026-12-06 は銀行の休業日です" in holiday.get_data(as_text=True)
    too_soon = client.post("/ward/payments", data={"csrf_token": token, "invoice_id": str(invoice_id),
                                                   "transfer_date": today_in_tokyo().isoformat()}, follow_redirects=True)
    too_soon_text = too_soon.get_data(as_text=True)  # today: too soon, or a bank holiday itself
    assert "以降の銀行営業日にしてください" in too_soon_text or "は銀行の休業日です" in too_soon_text
    transfer_day = earliest_transfer_date(today_in_tokyo(), 1)  # the next bank business day
    day = transfer_day.isoformat()
    client.post("/ward/payments", data={"csrf_token": token, "invoice_id": str(invoice_id), "transfer_date": day})
    again = client.post("/ward/payments", data={"csrf_token": token, "invoice_id": str(invoice_id),
                                                "transfer_date": day})
    assert "支払処理中です" in again.get_data(as_text=True)
    with unit_of_work(app):
        payment = db.session.scalar(select(Payment))
        batch_id = payment.zengin_batch_id
        assert db.session.get(Invoice, invoice_id).status == "payment_pending"
        assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    content = client.get(f"/ward/payments/zengin/{batch_id}.txt").data
    records = [r for r in content.split(b"\r\n") if r]
    assert [len(r) for r in records] == [120, 120, 120, 120]
    parsed = parse_transfer_file(content)
    assert [t.amount for t in parsed.transfers] == [Decimal(748)]
    assert parsed.transfers[0].recipient_name.startswith("ｶ)ﾌﾞﾝｸﾞﾔ")
    # an existing branch of the bank master (三井住友 渋谷), and 手形交換所番号 as zeros
    from invoicing.bank_master import lookup

    first = parsed.transfers[0]
    assert lookup(first.bank_code, first.branch_code).branch_name == "渋谷"
    assert first.clearing_house_code == "0000" and lookup(parsed.header.bank_code, parsed.header.branch_code)
    transmission = client.get(f"/ward/payments/zengin/{batch_id}.txt?form=transmission").data
    assert len(transmission) == 480 and b"\r\n" not in transmission  # four records, no line breaks
    early = client.post(f"/ward/payments/zengin/{batch_id}/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "送信したことを記録してください" in early.get_data(as_text=True)  # 作成済 -> 振込完了 is no step
    client.post(f"/ward/payments/zengin/{batch_id}/send", data={"csrf_token": token})
    before = client.post(f"/ward/payments/zengin/{batch_id}/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "より前には振込完了を記録できません" in before.get_data(as_text=True)
    app.config["TODAY"] = transfer_day  # the transfer date has come
    client.post(f"/ward/payments/zengin/{batch_id}/confirm", data={"csrf_token": token})
    with unit_of_work(app):
        assert db.session.get(Invoice, invoice_id).status == "paid"
        assert db.session.get(ZenginBatch, batch_id).status == "completed"


def test_office_monthly_batch_runs_in_the_background_with_progress(app, client, login, tmp_path):
    from invoicing.models import Invoice
    from procure.extensions import db
    from procure.jobs import Job

    year, month, _ = inspected_last_month(app)
    inspected_last_month(app, email="staff@setagaya.example.jp")
    login("office@example.jp")
    token = csrf_token(client, "/office/invoices/batch")
    response = client.post("/office/invoices/batch", data={"csrf_token": token, "month": f"{year}-{month:02d}"})
    job_id = int(response.headers["Location"].rsplit("=", 1)[1])
    app.extensions["jobs"].wait(job_id, 120)
    status = client.get(f"/jobs/{job_id}").get_json()
    assert status["status"] == "done", status
    # two wards' goods, and the demo fee contract's month for its four wards (fees.seed)
    assert status["result"] == {"created": 6, "invoices": 6, "pdfs": 6}
    assert status["done"] == status["total"] == 6  # the PDF phase reports last
    from procure import storage

    with unit_of_work(app):
        for invoice in db.session.scalars(select(Invoice)):
            assert storage.get(invoice.pdf_file_id).startswith(b"%PDF")  # kept where every server reads it
        served = client.get(f"/invoices/{invoice.id}.pdf").data
        assert served == storage.get(invoice.pdf_file_id)  # the document as issued
    page = client.get(f"/office/invoices/batch?job={job_id}").get_data(as_text=True)
    assert "<progress" in page and "PDF 6" in page
    # run again (as after a crash halfway): only the PDFs missing are made, nothing is billed twice
    from sqlalchemy import func, update

    from procure.storage import StoredFile

    with unit_of_work(app):
        kept = db.session.scalar(select(func.count()).select_from(StoredFile).filter_by(kind="invoice_pdf"))
        two = db.session.scalars(select(Invoice.id).order_by(Invoice.id).limit(2)).all()
        db.session.execute(update(Invoice).where(Invoice.id.in_(two)).values(pdf_file_id=None))
    again = client.post("/office/invoices/batch", data={"csrf_token": token, "month": f"{year}-{month:02d}"})
    second = int(again.headers["Location"].rsplit("=", 1)[1])
    app.extensions["jobs"].wait(second, 120)
    assert client.get(f"/jobs/{second}").get_json()["result"] == {"created": 0, "invoices": 6, "pdfs": 6}
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(StoredFile).filter_by(kind="invoice_pdf")) == kept + 2


def test_a_transfer_file_naming_a_branch_the_bank_master_does_not_know_is_refused(app, client, login):
    from sqlalchemy import update

    from invoicing.models import VendorBilling
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    year, month, _ = inspected_last_month(app)
    invoice_id = generate(app, year, month)[0]
    with unit_of_work(app):
        db.session.execute(update(VendorBilling).values(branch_code="613", branch_name_kana="ｸﾔｸｼﾖ"))
    login(ACCOUNTING)
    from invoicing.payments import earliest_transfer_date

    refused = client.post("/ward/payments", follow_redirects=True, data={
        "csrf_token": csrf_token(client, "/ward/payments"), "invoice_id": str(invoice_id),
        "transfer_date": earliest_transfer_date(today_in_tokyo(), 1).isoformat()}).get_data(as_text=True)
    assert "支店番号 0009-613 は全銀の銀行マスタにありません" in refused


def test_a_transfer_cannot_be_recorded_done_before_its_transfer_date(app):
    from datetime import timedelta

    import pytest

    from invoicing import payments
    from procure.formatting import today_in_tokyo

    year, month, _ = inspected_last_month(app)
    invoice_id = generate(app, year, month)[0]
    from procure.jpcalendar import add_bank_business_days

    today = today_in_tokyo()
    transfer = add_bank_business_days(today, 3)
    with unit_of_work(app):
        batch = payments.zengin_batch(user(ACCOUNTING), [invoice_id], transfer, today)
        payments.send_zengin_batch(user(ACCOUNTING), batch.id)
        with pytest.raises(payments.PaymentError, match="振込指定日"):
            payments.confirm_zengin_batch(user(ACCOUNTING), batch.id, transfer - timedelta(days=1))
        assert payments.confirm_zengin_batch(user(ACCOUNTING), batch.id, transfer).status == "completed"

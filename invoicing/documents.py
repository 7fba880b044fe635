"""Invoice documents: PDF (WeasyPrint, A4, Japanese font embedded), JP PINT UBL XML,
the ward's month as xlsx and CSV (UTF-8 or CP932 for Excel)."""
from __future__ import annotations

import csv
import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from flask import current_app, has_request_context, render_template
from sqlalchemy import select

from invoicing.models import Invoice, VendorBilling
from procure.pdf import html_to_pdf
from procure.exports import append_row, csv_safe, titled_sheet, workbook_bytes
from procure.extensions import db

def invoice_html(invoice: Invoice) -> str:
    account = db.session.scalar(select(VendorBilling).filter_by(vendor_id=invoice.vendor_id))
    if has_request_context():
        return render_template("pdf/invoice.html", invoice=invoice, account=account)
    with current_app.test_request_context():  # background jobs: the templates' globals need one
        return render_template("pdf/invoice.html", invoice=invoice, account=account)


def invoice_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(invoice_html(invoice))


def pdf_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "invoices"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def render_many(invoices: list[Invoice], progress, workers: int = 2) -> list[Path]:
    """PDFs of many invoices on both cores: HTML rendered here (needs the app), WeasyPrint in
    worker processes (the slow part)."""
    folder, paths = pdf_folder(), []
    jobs = [(invoice.id, invoice_html(invoice)) for invoice in invoices]
    # spawn, not fork: this runs in a job thread, and forking a threaded process can deadlock.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for done, ((invoice_id, _), pdf) in enumerate(zip(jobs, pool.map(html_to_pdf, [h for _, h in jobs],
                                                                         chunksize=4)), start=1):
            path = folder / f"invoice_{invoice_id}.pdf"
            path.write_bytes(pdf)
            paths.append(path)
            progress(done, len(jobs), "PDF 作成中")
    return paths


HEADERS = ("請求書番号", "事業者", "登録番号", "発行日", "支払期限", "状態", "行", "品名", "数量", "単位",
           "単価", "金額（税抜）", "税率", "照合", "10%対象", "10%消費税", "8%対象", "8%消費税", "請求額（税込）")


def _rows(invoices: list[Invoice]):
    for invoice in invoices:
        for line in invoice.lines:
            yield (invoice.number, invoice.vendor.name, invoice.vendor.invoice_registration_number,
                   invoice.issue_date.isoformat(), invoice.due_date.isoformat(), invoice.status, line.line_no,
                   line.description, line.quantity, line.unit, line.unit_price, line.amount,
                   f"{int(line.tax_rate * 100)}%", "一致" if line.matched else "不一致",
                   invoice.amount_standard, invoice.tax_standard, invoice.amount_reduced, invoice.tax_reduced,
                   invoice.total)


def month_xlsx(invoices: list[Invoice], title: str) -> bytes:
    book, sheet = titled_sheet("請求一覧", title, HEADERS)
    for row in _rows(invoices):
        append_row(sheet, row)
    return workbook_bytes(book)


def month_csv(invoices: list[Invoice], encoding: str) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8) or CP932; formulas neutralised either way."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in _rows(invoices):
        writer.writerow([csv_safe(value) for value in row])
    if encoding == "cp932":
        return text.getvalue().encode("cp932", errors="replace")
    return "\ufeff".encode() + text.getvalue().encode("utf-8")

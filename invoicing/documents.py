"""Invoice documents: PDF (WeasyPrint, A4, Japanese font embedded), JP PINT UBL XML,
the ward's month as xlsx and CSV (UTF-8 or CP932 for Excel)."""
from __future__ import annotations

import contextlib
import csv
from datetime import date
from decimal import Decimal
import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from flask import current_app, has_request_context, render_template
from sqlalchemy import select, update

from invoicing.models import Invoice, VendorBilling
from procure.money import tax_label
from procure.pdf import html_to_pdf
from procure.exports import append_row, csv_safe, titled_sheet, workbook_bytes
from procure import storage, uow
from procure.extensions import db

def invoice_html(invoice: Invoice) -> str:
    account = db.session.scalar(select(VendorBilling).filter_by(vendor_id=invoice.vendor_id))
    if has_request_context():
        return render_template("pdf/invoice.html", invoice=invoice, account=account)
    with current_app.test_request_context():  # background jobs: the templates' globals need one
        return render_template("pdf/invoice.html", invoice=invoice, account=account)


def invoice_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(invoice_html(invoice))


PDF_KEEP_DAYS = 7 * 366  # invoices are kept seven years (法人税法・電子帳簿保存法)


def _die_with_parent() -> None:
    """In each PDF process: the kernel kills it when the worker that started it dies (a SIGKILLed
    worker leaves no PDF process behind)."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def render_many(invoices: list[Invoice], progress, workers: int = 2) -> int:
    """Store the PDF of every invoice that has none yet, on both cores: HTML rendered here (needs
    the app), WeasyPrint in worker processes (the slow part). Each PDF is kept as it is made, so
    a batch run again (after a crash, a cancel) goes on where it stopped. Answers how many of
    `invoices` have their PDF."""
    total = len(invoices)
    todo = [invoice for invoice in invoices if invoice.pdf_file_id is None]
    done = total - len(todo)
    sources = [(invoice.id, invoice.number, invoice_html(invoice)) for invoice in todo]
    if not sources:
        progress(done, total, "PDF 作成中")
        return done
    # spawn, not fork: this runs in a job thread, and forking a threaded process can deadlock.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with_parent)
    try:
        for (invoice_id, number, _), pdf in zip(sources, pool.map(html_to_pdf, [h for _, _, h in sources])):
            file_id = storage.put(pdf, kind="invoice_pdf", file_name=f"invoice_{number}.pdf", keep_days=PDF_KEEP_DAYS)
            db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(pdf_file_id=file_id))
            uow.checkpoint("invoice batch: each PDF kept as it is made, so a batch run again goes on from there")
            done += 1
            progress(done, total, "PDF 作成中")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def stored_or_rendered_pdf(invoice: Invoice) -> bytes:
    """The PDF kept by the batch (the document as issued), else rendered now."""
    if invoice.pdf_file_id is not None:
        with contextlib.suppress(FileNotFoundError):
            return storage.get(invoice.pdf_file_id)
    return invoice_pdf(invoice)


HEADERS = ("請求書番号", "事業者", "登録番号", "発行日", "支払期限", "状態", "行", "品名", "数量", "単位",
           "単価", "金額（税抜）", "税率", "照合", "10%対象", "10%消費税", "8%対象", "8%消費税", "非課税等",
           "請求額（税込）")


def _plain(value: Decimal):
    """Stored Numeric(18, 4) as people write it: 680.0000 -> 680, 12.5000 -> 12.5 (never 6.8E+2),
    still a Decimal where it has decimals (no float on the way)."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


def _rows(invoices: list[Invoice]):
    from procure.formatting import INVOICE_STATUS_LABELS

    for invoice in invoices:
        for line in invoice.lines:
            yield (invoice.number, invoice.vendor.name, invoice.vendor.invoice_registration_number,
                   invoice.issue_date, invoice.due_date, str(INVOICE_STATUS_LABELS.get(invoice.status, invoice.status)),
                   line.line_no, line.description, _plain(line.quantity), line.unit, _plain(line.unit_price),
                   _plain(line.amount), tax_label(line.tax_rate, line.non_taxable_category), "一致" if line.matched else "不一致",
                   _plain(invoice.amount_standard), _plain(invoice.tax_standard), _plain(invoice.amount_reduced),
                   _plain(invoice.tax_reduced), _plain(invoice.amount_non_taxable), _plain(invoice.total))


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
        writer.writerow([csv_safe(value.isoformat() if isinstance(value, date) else value) for value in row])
    if encoding == "cp932":
        return text.getvalue().encode("cp932", errors="replace")
    return "\ufeff".encode() + text.getvalue().encode("utf-8")

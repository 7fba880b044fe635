"""Monthly invoice batch: PDFs of N invoices (default 500, 12 lines each) rendered the way the
batch job does it (HTML from the Jinja template in the app, WeasyPrint on both cores in worker
processes), against bare WeasyPrint rendering of the same HTML strings one after another in this
process, measured in the same run.

    python bench/bench_invoices.py [N]
"""
from __future__ import annotations

import os
import pathlib
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))


def make_invoices(app, count: int) -> list[int]:
    from sqlalchemy import select

    from invoicing.models import Invoice, InvoiceLine
    from invoicing.service import set_totals
    from procure.extensions import db
    from procure.models import Vendor, Ward

    with app.app_context():
        vendors = db.session.scalars(select(Vendor)).all()
        wards = db.session.scalars(select(Ward)).all()
        ids = []
        for n in range(count):
            vendor, ward = vendors[n % len(vendors)], wards[n % len(wards)]
            invoice = Invoice(number=f"B{n:05d}", vendor_id=vendor.id, ward_id=ward.id, year=2026, month=10,
                              issue_date=date(2026, 10, 31), due_date=date(2026, 11, 30), status="payable",
                              rounding="down", total=Decimal(0))
            for i in range(12):
                rate = Decimal("0.08") if i % 5 == 0 else Decimal("0.10")
                price = Decimal(60 + i * 37)
                invoice.lines.append(InvoiceLine(ward_id=ward.id, line_no=i + 1, description=f"コピー用紙 A4 ほか {i}",
                                                 quantity=Decimal(3 + i), unit="箱", unit_price=price,
                                                 amount=price * (3 + i), tax_rate=rate, matched=True))
            set_totals(invoice)
            db.session.add(invoice)
            db.session.flush()
            ids.append(invoice.id)
        db.session.commit()
        return ids


def main(count: int) -> None:
    import flask_migrate

    from procure import create_app
    from procure.seed import seed_all

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench_invoices_"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": str(tmp / "uploads")})
    with app.app_context():
        flask_migrate.upgrade()
        seed_all()
    ids = make_invoices(app, count)

    from sqlalchemy import select

    from invoicing import documents
    from invoicing.models import Invoice
    from procure.extensions import db

    with app.app_context():
        invoices = db.session.scalars(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)).all()
        documents.html_to_pdf(documents.invoice_html(invoices[0]))  # warm up fonts in this process
        html = [documents.invoice_html(invoice) for invoice in invoices]
        start = time.perf_counter()
        for page in html:
            documents.html_to_pdf(page)
        bare = time.perf_counter() - start
        start = time.perf_counter()
        documents.render_many(invoices, lambda *a: None, workers=os.cpu_count() or 2)
        batch = time.perf_counter() - start
    print(f"{count} invoices x 12 lines, {os.cpu_count()} cores")
    print(f"bare WeasyPrint, same HTML, one process: {bare:.1f} s ({count / bare:.1f} invoices/s)")
    print(f"batch (template + WeasyPrint in {os.cpu_count()} worker processes, files written): {batch:.1f} s "
          f"({count / batch:.1f} invoices/s) -> ratio {batch / bare:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)

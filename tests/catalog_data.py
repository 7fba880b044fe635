"""Catalog data for functional and browser tests, made through the real use cases."""
import uuid

from sqlalchemy import select


def user(email):
    from procure.extensions import db
    from procure.models import User

    return db.session.scalar(select(User).filter_by(email=email))


def item_id(sku):
    from catalog.models import CatalogItem
    from procure.extensions import db

    return db.session.scalar(select(CatalogItem.id).filter_by(sku=sku).order_by(CatalogItem.id.desc()))


def order_refs(email):
    """facility, department and budget ids for an order placed by `email`."""
    from catalog.order_models import Budget
    from procure.extensions import db
    from procure.models import Facility
    from procure.jpcalendar import default_delivery_date, fiscal_year
    from procure.dbtypes import utcnow

    staff = user(email)
    facility = db.session.scalar(select(Facility.id).filter_by(ward_id=staff.ward_id).order_by(Facility.id))
    budget = db.session.scalar(select(Budget.id).filter_by(
        department_id=staff.department_id, fiscal_year=fiscal_year(default_delivery_date(utcnow(), 5))))
    return {"facility_id": facility, "department_id": staff.department_id, "budget_id": budget}


def place(email="staff@shibuya.example.jp", lines=(("B-PEN-001", 10),), key=None, **overrides):
    from catalog.ordering import CartLine, place_order

    refs = order_refs(email) | overrides
    return place_order(user(email), [CartLine(item_id(sku), qty) for sku, qty in lines],
                       idempotency_key=key or uuid.uuid4().hex, **refs)


def delivered_order(app):
    """A Shibuya order of the 文具屋 catalog, approved, shipped in one delivery."""
    from datetime import timedelta

    from catalog.fulfilment import ship
    from procure.formatting import today_in_tokyo

    with app.app_context():
        order = place()
        vendor = user("vendor@bunguya.example.jp")
        delivery = ship(vendor, order.id, f"DN-{order.id}", today_in_tokyo() + timedelta(days=1),
                        {line.id: line.quantity for line in order.lines})
        return {"order": order.id, "line": order.lines[0].id, "delivery": delivery.id}


def catalog_xlsx(rows, headers=None) -> bytes:
    """An upload file: rows are dicts by column key (catalog.upload.COLUMNS)."""
    import io

    from openpyxl import Workbook

    from catalog.upload import COLUMNS

    columns = headers or COLUMNS
    book = Workbook()
    sheet = book.active
    sheet.title = "カタログ"
    sheet.append([c.header for c in columns])
    for row in rows:
        sheet.append([row.get(c.key) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def catalog_row(sku, jan12=None, **values):
    from stdnum import ean

    row = {"sku": sku, "name": f"商品 {sku}", "spec": "", "category": "文具", "unit": "個",
           "tax_rate": "10%", "list_price": "200", "contract_price": "100", "green": "○",
           "min_order_qty": 1, "lead_time_days": 1, "valid_from": "2026-04-01"}
    if jan12:
        row["jan"] = jan12 + ean.calc_check_digit(jan12)
    row.update(values)
    return row

"""Catalog data for functional and browser tests, made through the real use cases."""
import uuid

from sqlalchemy import select
from tests.helpers import unit_of_work


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

    with unit_of_work(app):
        order = place()
        vendor = user("vendor@bunguya.example.jp")
        delivery = ship(vendor, order.id, f"DN-{order.id}", today_in_tokyo(),
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


def inspected_last_month(app, lines=(("B-PEN-001", 10),), rejected=0, email="staff@shibuya.example.jp"):
    """An order delivered and inspected last month (JST); `rejected` units of its first line refused.
    Returns (year, month, order id)."""
    from datetime import timedelta

    from catalog.fulfilment import ship
    from deliveries.inspection import InspectionEntry
    from deliveries.services import inspect_delivery
    from procure.formatting import today_in_tokyo

    last_month = today_in_tokyo().replace(day=1) - timedelta(days=1)
    with unit_of_work(app):
        from procure.extensions import db

        order = place(email, lines=lines)
        order.placed_at = order.placed_at - timedelta(days=40)  # ordered before it was delivered
        db.session.commit()
        delivery = ship(user("vendor@bunguya.example.jp"), order.id, f"DN-L{order.id}", last_month,
                        {line.id: line.quantity for line in order.lines})
        inspector = "inspector@shibuya.example.jp" if "shibuya" in email else None
        entries = [InspectionEntry(dl.id, dl.quantity - (rejected if i == 0 else 0), rejected if i == 0 else 0,
                                   "破損" if rejected and i == 0 else None)
                   for i, dl in enumerate(delivery.lines)]
        who = user(inspector) if inspector else _inspector_for(email)
        inspect_delivery(who, delivery.id, entries)
        return last_month.year, last_month.month, order.id


def _inspector_for(email):
    """Wards other than Shibuya have no demo inspector: make one."""
    from procure.extensions import db
    from procure.models import Role, User

    staff = user(email)
    inspector = User(email=f"inspector-{staff.ward_id}@example.jp", name="検収 担当", role=Role.WARD_INSPECTOR,
                     ward_id=staff.ward_id)
    inspector.set_password("demo-password")
    db.session.add(inspector)
    db.session.commit()
    return inspector

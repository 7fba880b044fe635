"""Demo (`flask seed --tenders`, what scripts/run.sh loads): last month's orders of a pooled item
by two wards, closed, so a newcomer sees month-close re-pricing and its adjustments."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from catalog.models import CatalogItem
from catalog.month_close import close_month
from catalog.order_models import Budget, MonthClose, Order
from catalog.ordering import CartLine, place_order
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.jpcalendar import default_delivery_date, fiscal_year
from procure.models import Facility, Role, User

SKU = "B-PPR-001"
ORDERS = {"staff@shibuya.example.jp": 60, "staff@setagaya.example.jp": 120}


def seed_pooled_month_demo() -> None:
    today = today_in_tokyo()
    last = today.replace(day=1) - timedelta(days=1)
    if db.session.scalar(select(MonthClose.id).filter_by(year=last.year, month=last.month)):
        return
    item = db.session.scalar(select(CatalogItem).filter_by(sku=SKU).order_by(CatalogItem.id.desc()))
    office = db.session.scalar(select(User).filter_by(role=Role.OFFICE).order_by(User.id))
    if item is None or office is None:
        return
    placed = []
    for email, quantity in ORDERS.items():
        staff = db.session.scalar(select(User).filter_by(email=email))
        facility = db.session.scalar(select(Facility.id).filter_by(ward_id=staff.ward_id).order_by(Facility.id))
        budget = db.session.scalar(select(Budget.id).filter_by(
            department_id=staff.department_id, fiscal_year=fiscal_year(default_delivery_date(utcnow(), 5))))
        if facility is None or budget is None:
            return
        order = place_order(staff, [CartLine(item.id, quantity)], facility, staff.department_id, budget,
                            f"demo-pooled-{uuid.uuid4().hex[:12]}")
        placed.append(order.id)
    # Dated last month, as if ordered then (the demo is loaded today).
    db.session.execute(update(Order).where(Order.id.in_(placed)).values(placed_at=utcnow() - timedelta(days=today.day + 3)))
    close_month(office, last.year, last.month, today)

"""Month-close pooled price adjustments (共同単価精算): a ward sees its own, a vendor its own."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.order_models import MonthClose, PooledAdjustment
from procure.extensions import db
from procure.models import Role
from procure.permissions import WARD, allow, request_user, scoped

bp = Blueprint("adjustments", __name__)


@bp.get("/adjustments")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def index():
    user = request_user()
    rows = db.session.scalars(
        scoped(select(PooledAdjustment), PooledAdjustment, user).join(MonthClose)
        .options(selectinload(PooledAdjustment.ward), selectinload(PooledAdjustment.vendor),
                 selectinload(PooledAdjustment.month_close))
        .order_by(MonthClose.year.desc(), MonthClose.month.desc(), PooledAdjustment.id).limit(2000)).all()
    return render_template("catalog/adjustments.html", adjustments=rows)

"""Ward home to-do from cost shares."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from procure.extensions import db
from procure.models import Role


def cost_shares_to_pay(user):
    """The payer: issued cost-share bills not yet in a transfer file."""
    from costshares.models import CostShareBill
    from costshares.states import ISSUED

    if user.role != Role.WARD_INSPECTOR:
        return None
    count = db.session.scalar(select(func.count()).select_from(CostShareBill).where(
        CostShareBill.ward_id == user.ward_id, CostShareBill.status == ISSUED, CostShareBill.total > 0))
    return (_("支払っていない運営費負担金"), count, url_for("costshares.ward_page")) if count else None

"""Ward home to-do from usage fees."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import Role


def fee_units_to_report(user):
    """Ward staff: fee contracts whose last month's units the ward has not reported."""
    from fees.models import FeeUsage
    from fees.service import contracts_for

    if user.role != Role.WARD_STAFF:
        return None
    last = today_in_tokyo().replace(day=1) - timedelta(days=1)
    reported = select(FeeUsage.fee_contract_id).where(FeeUsage.ward_id == user.ward_id, FeeUsage.year == last.year,
                                                      FeeUsage.month == last.month)
    done = set(db.session.scalars(reported))
    count = sum(1 for c in contracts_for(user.ward_id, last.year, last.month) if c.id not in done)
    return ((_("%(y)s年%(m)s月の件数が未報告の従量料金", y=last.year, m=last.month), count,
             url_for("fees.ward_fees", month=f"{last.year}-{last.month:02d}")) if count else None)

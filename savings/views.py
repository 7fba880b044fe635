"""Savings dashboards: the office sees every ward's savings by ward, category and month, with
落札率 and the number of bidders per tender, and exports them; a ward sees its own."""
from __future__ import annotations

import io
from decimal import Decimal

from flask import Blueprint, render_template, send_file
from flask_babel import gettext as _
from sqlalchemy import func, select

from procure.charts import bar_chart_svg
from procure.exports import append_row, titled_sheet, workbook_bytes
from procure.extensions import db
from procure.models import Role
from procure.permissions import WARD, allow, request_user
from savings import service
from savings.labels import reference_name
from savings.models import OFFICE_COST, SavingsEntry

bp = Blueprint("savings", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chart(title: str, groups: dict[str, dict[str, Decimal]]) -> str | None:
    if not groups:
        return None
    labels = list(groups)
    return bar_chart_svg(title, labels, {_("参照額"): [groups[g]["reference"] for g in labels],
                                         _("支払額"): [groups[g]["paid"] for g in labels],
                                         _("削減額"): [groups[g]["saving"] for g in labels]})


def _month(entry: SavingsEntry) -> str:
    return f"{entry.fixed_on.year}-{entry.fixed_on.month:02d}"


def _tender_results() -> list[dict]:
    """Per award: the tender, its lot, 落札率 and how many bids were opened."""
    from tenders.models import Award, Bid, Tender

    bidders = dict(db.session.execute(select(Bid.tender_id, func.count(Bid.id)).where(Bid.status == "active")
                                      .group_by(Bid.tender_id)).all())
    rows = db.session.execute(select(Award, Tender).join(Tender, Award.tender_id == Tender.id)
                              .order_by(Award.id.desc()).limit(50)).all()
    return [{"title": tender.title, "lot": award.lot_code, "price": award.price, "rate": award.award_rate,
             "bidders": bidders.get(tender.id, 0)} for award, tender in rows]


def _page(rows: list[SavingsEntry], template: str, **extra):
    by_ward = service.totals_by(rows, lambda e: e.ward.name_ja)
    by_category = service.totals_by(rows, lambda e: e.category)
    by_month = service.totals_by(sorted(rows, key=lambda e: e.fixed_on), _month)
    total = service.totals_by(rows, lambda e: "all").get("all")
    # purchases and the office's running costs apart, then net: neither hides the other
    parts = service.totals_by(rows, lambda e: "costs" if e.reference_kind == OFFICE_COST else "purchases")
    return render_template(template, rows=rows, total=total, purchases=parts.get("purchases"),
                           office_costs=parts.get("costs"), rate=service.rate, reference_name=reference_name,
                           by_ward=by_ward, by_category=by_category, by_month=by_month,
                           ward_chart=_chart(_("区別の削減額"), by_ward) if len(by_ward) > 1 else None,
                           category_chart=_chart(_("分野別の削減額"), by_category),
                           month_chart=_chart(_("月別の削減額"), by_month), **extra)


@bp.get("/office/savings")
@allow(Role.OFFICE)
def office_page():
    return _page(service.entries(), "savings/dashboard.html", tenders=_tender_results(), office=True)


@bp.get("/ward/savings")
@allow(*WARD)
def ward_page():
    return _page(service.entries(request_user().ward_id), "savings/dashboard.html", tenders=[], office=False)


@bp.get("/office/savings.xlsx")
@allow(Role.OFFICE)
def office_xlsx():
    book, sheet = titled_sheet(_("削減効果"), _("削減効果（共同調達の削減額台帳）"),
                               [_("確定日"), _("区"), _("分野"), _("件名"), _("参照"), _("参照額"), _("支払額"),
                                _("削減額")])
    for e in service.entries():
        append_row(sheet, [e.fixed_on, e.ward.name_ja, e.category, e.title, reference_name(e.reference_kind),
                           e.reference_amount, e.paid_amount, e.saving])
    return send_file(io.BytesIO(workbook_bytes(book)), mimetype=XLSX, as_attachment=True,
                     download_name="savings.xlsx")

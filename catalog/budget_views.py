"""Ward budgets (per department, fiscal year April-March) and the ward's approval rule."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.order_models import ApprovalRule, Budget
from procure.forms import CsrfForm
from procure.charts import bar_chart_svg
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.jpcalendar import fiscal_year
from procure.models import Role
from procure.permissions import WARD, allow, request_user, scoped
from procure.textnorm import parse_decimal

bp = Blueprint("budgets", __name__, url_prefix="/ward")


@bp.get("/budgets")
@allow(*WARD)
def budgets():
    user = request_user()
    year = request.args.get("year", fiscal_year(today_in_tokyo()), type=int)
    rows = db.session.scalars(scoped(select(Budget), Budget, user).where(Budget.fiscal_year == year)
                              .options(selectinload(Budget.department))
                              .order_by(Budget.department_id, Budget.code)).all()
    chart = bar_chart_svg(_("予算の執行状況（税込見込の引当額）"), [b.department.name[:12] for b in rows], {
        _("予算額"): [b.amount for b in rows], _("引当済み"): [b.committed for b in rows]},
        value_format=lambda v: f"¥{v:,.0f}") if rows else None
    rule = db.session.scalar(select(ApprovalRule).filter_by(ward_id=user.ward_id))
    return render_template("catalog/budgets.html", budgets=rows, year=year, chart=chart, rule=rule,
                           form=CsrfForm(), can_edit=user.role == Role.WARD_APPROVER)


MAX_THRESHOLD = Decimal(10) ** 10


@bp.post("/approval-rule")
@allow(Role.WARD_APPROVER)
def approval_rule():
    """The ward's approval rule: orders above the threshold or with these categories need approval."""
    user = request_user()
    if CsrfForm().validate_on_submit():
        try:
            threshold = parse_decimal(request.form.get("threshold", ""))
            if threshold < 0:
                raise ValueError(_("承認基準額は 0 以上にしてください"))
            if threshold >= MAX_THRESHOLD:  # beyond any order, and beyond what the column holds
                raise ValueError(_("承認基準額は 10,000,000,000 円未満にしてください"))
        except ValueError as exc:
            flash(_("承認基準額: %(reason)s", reason=str(exc)), "error")
            return redirect(url_for("budgets.budgets"))
        categories = sorted({c.strip() for c in request.form.get("categories", "").replace("、", ",").split(",")
                             if c.strip()})
        rule = db.session.scalar(select(ApprovalRule).filter_by(ward_id=user.ward_id))
        if rule is None:
            rule = ApprovalRule(ward_id=user.ward_id, threshold_amount=threshold, restricted_categories=[])
            db.session.add(rule)
        rule.threshold_amount, rule.restricted_categories = threshold, categories
        flash(_("承認ルールを更新しました"), "success")
    return redirect(url_for("budgets.budgets"))

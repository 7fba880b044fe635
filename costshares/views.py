"""Pages: the office enters a fiscal year's cost items and standalone references, previews the
shares and issues the bills; a ward reads its bill line by line."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from costshares import service
from costshares.models import CostShareBill, StandaloneReference
from costshares.payments import pay_by_zengin
from costshares.sharing import SharingError
from costshares.states import COST_SHARE
from invoicing.payments import PaymentError, earliest_transfer_date
from procure import uow
from procure.charts import bar_chart_svg
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.forms import CsrfForm
from procure.jpcalendar import fiscal_year
from procure.models import Role, Ward, document_date_style
from procure.permissions import WARD, allow, request_user
from procure.textnorm import parse_date, parse_decimal, parse_int

bp = Blueprint("costshares", __name__)


def _fy() -> int:
    try:
        return parse_int(request.values.get("fy", ""), _("年度"), 2000, 2100)
    except ValueError:
        return fiscal_year(today_in_tokyo())


def _weights(form) -> dict[str, Decimal]:
    return {key: parse_decimal(form.get(f"w_{key}", "").strip() or "0") for key in ("equal", "population", "quantity")}


def _post(fy: int) -> None:
    f, user = request.form, request_user()
    action = f.get("action")
    if action == "add_cost":
        service.add_running_cost(user, fy, f.get("label", ""), parse_decimal(f.get("amount", "")), _weights(f))
        flash(_("費目を追加しました"), "success")
    elif action == "delete_cost":
        service.delete_running_cost(user, parse_int(f.get("cost_id", ""), _("費目"), 1, 2 ** 31 - 1))
        flash(_("費目を削除しました"), "success")
    elif action == "standalone":
        service.record_standalone(user, fy, parse_int(f.get("ward_id", ""), _("区"), 1, 2 ** 31 - 1),
                                  parse_decimal(f.get("amount", "")), f.get("source", ""))
        flash(_("単独調達の見込額を記録しました"), "success")
    elif action == "issue":
        bills = service.issue(user, fy, _rate(f))
        flash(_("%(n)s 区に負担金を請求しました", n=len(bills)), "success")


def _rate(form) -> Decimal | None:
    text = form.get("min_savings_percent", "").strip()
    if not text:
        return None
    percent = parse_decimal(text)
    if not 0 <= percent < 100:
        raise ValueError(_("最低削減率は 0 以上 100 未満（パーセント）で入力してください"))
    return percent / 100


def _chart(rows: list[tuple[str, Decimal, Decimal]]) -> str | None:
    """Each ward's share and guarantee adjustment, for the office to look at rather than read."""
    if not rows:
        return None
    return bar_chart_svg(_("区別の配分額と保証による調整（円）"), [name for name, _share, _adj in rows],
                         {_("配分額"): [share for _name, share, _adj in rows],
                          _("保証による調整"): [adjustment for _name, _share, adjustment in rows]})


@bp.route("/office/cost-shares", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_page():
    form, fy = CsrfForm(), _fy()
    if request.method == "POST" and form.validate_on_submit():
        try:
            _post(fy)
        except (SharingError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
        return redirect(url_for("costshares.office_page", fy=fy))
    bills = db.session.scalars(select(CostShareBill).filter_by(fiscal_year=fy).order_by(CostShareBill.number)).all()
    preview, problem = [], None
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    names = {w.code: w.name_ja for w in wards}
    if not bills and service.running_costs(fy):
        try:
            preview = service.preview(fy)
        except SharingError as exc:
            problem = str(exc)
    standalone = {r.ward_id: r for r in db.session.scalars(select(StandaloneReference).filter_by(fiscal_year=fy))}
    rows = [(names[s.ward], s.shares, s.adjustment) for s in preview] or [
        (b.ward.name_ja, b.shares, b.adjustment) for b in bills]
    return render_template("costshares/office.html", fy=fy, costs=service.running_costs(fy), bills=bills, chart=_chart(rows),
                           preview=preview, problem=problem, wards=wards, names=names, standalone=standalone,
                           joint=service.joint_amounts(fy), form=form, rate=service.DEFAULT_MIN_SAVINGS)


@bp.route("/ward/cost-shares", methods=["GET", "POST"])
@allow(*WARD)
def ward_page():
    user, form = request_user(), CsrfForm()
    if request.method == "POST" and form.validate_on_submit():
        if user.role != Role.WARD_INSPECTOR:
            abort(403)
        try:
            ids = [parse_int(v, _("負担金"), 1, 2 ** 31 - 1) for v in request.form.getlist("bill")]
            batch = pay_by_zengin(user, ids, parse_date(request.form.get("transfer_date", ""), _("振込指定日")),
                                  today_in_tokyo(), current_app.config["ZENGIN_LEAD_BUSINESS_DAYS"])
            flash(_("全銀ファイルを作成しました（%(n)s 件）。支払の画面から送信と振込完了を記録します", n=batch.count),
                  "success")
            return redirect(url_for("invoicing.ward_payments"))
        except (PaymentError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
        return redirect(url_for("costshares.ward_page"))
    bills = db.session.scalars(select(CostShareBill).filter_by(ward_id=user.ward_id)
                               .order_by(CostShareBill.fiscal_year.desc())).all()
    return render_template("costshares/ward.html", bills=bills, form=form, payer=user.role == Role.WARD_INSPECTOR,
                           states=COST_SHARE.states, today=today_in_tokyo(),
                           transfer_day=earliest_transfer_date(today_in_tokyo(),
                                                               current_app.config["ZENGIN_LEAD_BUSINESS_DAYS"]))


@bp.get("/cost-shares/<int:bill_id>.pdf")
@allow(*WARD, Role.OFFICE)
def bill_pdf(bill_id):
    """The bill as a document (不課税: not a qualified invoice), for the ward's files."""
    from flask import Response

    from costshares.models import OfficeAccount
    from procure.formatting import TOKYO
    from procure.pdf import render_pdf
    from procure.permissions import get_owned_or_404

    bill = get_owned_or_404(CostShareBill, bill_id)
    account = db.session.scalar(select(OfficeAccount).order_by(OfficeAccount.id))
    pdf = render_pdf("pdf/cost_share.html", bill=bill, account=account, issued_on=bill.issued_at.astimezone(TOKYO).date(),
                     date_style=document_date_style(bill.ward_id))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="cost_share_{bill.number}.pdf"'})

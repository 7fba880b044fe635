"""Office pages: create tenders, patterns or items, lots, the lifecycle, answers, opening and award."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from procure.forms import CsrfForm
from procure import uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import Role, Ward
from procure.permissions import allow, request_user
from procure.textnorm import parse_date, parse_decimal, parse_int
from procure.formatting import TOKYO
from procure.procurement_method import Method, competition_warning
from tenders.contracts import law_kinds
from procure.procurement_method_labels import method_label
from tenders import lifecycle, service
from tenders import options as option_tiers
from tenders.models import (Award, Bid, BidEvaluation, PcDemandLine, Tender, TenderQuestion)
from procure.pricing_policy_forms import MODE_LABELS, ROUNDING_LABELS, describe
from tenders.views.pricing import ward_price_rows
from tenders.views.common import OFFICE_ACTIONS, facility_demand_rows, parse_local_time, tender_questions, tender_or_404, bp


@bp.route("/office/tenders", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_list():
    form, error = CsrfForm(), None
    if request.method == "POST" and form.validate_on_submit():
        f = request.form
        try:
            ceiling = parse_decimal(f["ceiling"]) if f.get("ceiling", "").strip() else None
            designated = db.session.scalar(select(Ward.id).filter_by(code=f.get("designated_ward", "")))
            tender = service.create_tender(
                request_user(), f.get("kind", "pc"), f.get("title", "").strip() or _("（無題）"),
                parse_local_time(f.get("bidding_opens", ""), _("入札開始")), parse_local_time(f.get("bidding_closes", ""), _("入札締切")),
                parse_local_time(f.get("opening_at", ""), _("開札日時")), ceiling,
                procurement_method=f.get("procurement_method", "open"),
                procurement_ground=f.get("procurement_ground") or None,
                evaluation_method=f.get("evaluation_method", "lowest"),
                qualification="designated_ward" if designated else "each_ward", designated_ward_id=designated,
                region=f.get("region") or None,
                sme_min_valid=parse_int(f["sme_min_valid"], _("中小企業優先の者数"), 1) if f.get("sme_min_valid") else None,
                base_points=_points(f, "base_points", _("標準点"), "100"),
                max_price_points=_points(f, "max_price_points", _("価格点の満点"), "50"),
                quantity_tolerance_percent=_points(f, "quantity_tolerance", _("数量変更の許容幅"), "10", upper=100),
                leasing=f.get("leasing", "allowed"),
                contract_starts=parse_date(f["contract_starts"], _("契約期間の始期")) if f.get("contract_starts", "").strip() else None,
                contract_ends=parse_date(f["contract_ends"], _("契約期間の終期")) if f.get("contract_ends", "").strip() else None)
            flash(_("入札案件を作成しました"), "success")
            warning = competition_warning(Method(tender.procurement_method, tender.procurement_ground),
                                          law_kinds(tender.kind, tender.leasing), ceiling,
                                          tender.bidding_opens.astimezone(TOKYO).date())
            if warning:
                flash(warning, "warning")
            return redirect(url_for("tenders.office_detail", tender_id=tender.id))
        except (ValueError, service.TenderError) as exc:
            uow.rollback()
            error = str(exc)
    tenders = db.session.scalars(select(Tender).order_by(Tender.id.desc())).all()
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    from procure.procurement_method_labels import GROUND_LABELS, METHOD_LABELS

    return render_template("tenders/office_list.html", tenders=tenders, wards=wards, form=form, error=error,
                           method_names=METHOD_LABELS, grounds=GROUND_LABELS)


def _points(form, name: str, label: str, default: str, upper: int | None = None) -> Decimal:
    """A non-negative number of the create form (full-width digits too), its default when blank."""
    value = parse_decimal(form.get(name, "").strip() or default)
    if value < 0 or (upper is not None and value > upper):
        raise ValueError(_("%(label)s: 0 以上%(upper)sにしてください", label=label,
                           upper=_("、%(n)s 以下", n=upper) if upper is not None else ""))
    return value


@bp.get("/office/tenders/<int:tender_id>")
@allow(Role.OFFICE)
def office_detail(tender_id):
    tender = tender_or_404(tender_id)
    opened = tender.status in (lifecycle.OPENED, lifecycle.EVALUATION, lifecycle.AWARDED, lifecycle.CONTRACTED,
                               lifecycle.COMPLETED, lifecycle.NO_VALID_BID)
    bids = db.session.scalars(select(Bid).filter_by(tender_id=tender.id).order_by(Bid.submitted_at)).all()
    demand = db.session.execute(
        select(Ward.name_ja, PcDemandLine.pattern_code, func.sum(PcDemandLine.quantity))
        .join(Ward, Ward.id == PcDemandLine.ward_id).where(PcDemandLine.tender_id == tender.id)
        .group_by(Ward.name_ja, PcDemandLine.pattern_code).order_by(Ward.name_ja)).all()
    return render_template("tenders/office_detail.html", tender=tender, bids=bids, opened=opened, demand=demand,
                           facility_demand=facility_demand_rows(tender),
                           results=_lot_results(tender, bids) if opened else [], form=CsrfForm(),
                           actions=[a for a in OFFICE_ACTIONS if a in lifecycle.available(tender.status)], questions=tender_questions(tender), lot_editable=tender.status in
                           service.LOT_EDITABLE, reference_editable=tender.status in service.REFERENCE_EDITABLE,
                           procurement_method_text=method_label(Method(tender.procurement_method, tender.procurement_ground)),
                           policies=_policies(tender), ward_prices=ward_price_rows(tender),
                           policy_names=MODE_LABELS, rounding_names=ROUNDING_LABELS, describe_policy=describe)


def _policies(tender: Tender) -> list[tuple[str, str, object]]:
    """(lot code, lot name, policy) for the tender as a whole and each lot."""
    return [("", _("案件全体"), service.policy_for(tender))] + [
        (row.code, row.name, service.policy_for(tender, row.code)) for row in tender.lots]


def _lot_results(tender: Tender, bids: list[Bid]) -> list[dict]:
    """Per lot (or the whole tender): its ceiling, each active bid's evaluation and the award."""
    awards = {a.lot_code: a for a in db.session.scalars(select(Award).filter_by(tender_id=tender.id))}
    lots = [(row.code, row.name) for row in tender.lots] or [("", _("全体"))]
    return [{"code": code, "name": name, "ceiling": service.lot_ceiling(tender, code), "award": awards.get(code),
             "rows": [(b, b.evaluation(code)) for b in bids if b.status == "active" and b.evaluation(code)]}
            for code, name in lots]


@bp.post("/office/tenders/<int:tender_id>/lots")
@allow(Role.OFFICE)
def lots(tender_id):
    """Split a tender into lots: one per pattern, ward or voltage class, or a lot of chosen ones."""
    tender = tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        f, user = request.form, request_user()
        try:
            if f.get("action") == "split":
                made = service.split_lots(user, tender.id, f.get("mode", ""))
                flash(_("%(n)s ロットに分割しました", n=len(made)), "success")
            elif f.get("action") == "delete":
                service.delete_lot(user, tender.id, f.get("code", ""))
                flash(_("ロットを削除しました"), "success")
            else:
                ceiling = parse_decimal(f["ceiling"]) if f.get("ceiling", "").strip() else None
                service.add_lot(user, tender.id, f.get("code", ""), f.get("name", ""), f.getlist("patterns"),
                                [int(w) for w in f.getlist("wards") if w.isdigit()], f.getlist("voltages"), ceiling)
                flash(_("ロットを追加しました"), "success")
        except (service.TenderError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id) + "#lots")


@bp.post("/office/tenders/<int:tender_id>/questions/<int:question_id>/answer")
@allow(Role.OFFICE)
def answer_question(tender_id, question_id):
    tender = tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        try:
            question = db.session.get(TenderQuestion, question_id)
            if question is None or question.tender_id != tender.id:
                abort(404)
            service.answer(request_user(), question.id, request.form.get("answer", ""), utcnow())
            flash(_("回答を公開しました"), "success")
        except service.TenderError as exc:
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id))


@bp.post("/office/tenders/<int:tender_id>/patterns")
@allow(Role.OFFICE)
def add_pattern(tender_id):
    tender = tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        options, problems = option_tiers.parse(request.form.get("options", ""))
        try:
            if problems:
                raise service.TenderError("\n".join(problems))
            service.add_pattern(request_user(), tender.id, request.form.get("code", "").strip(),
                                request.form.get("name", "").strip(), options, request.form.get("spec", ""),
                                request.form.get("unit", ""),
                                Decimal("0.08") if request.form.get("reduced_rate") else Decimal("0.10"),
                                request.form.get("cpv") or None)
            flash(_("仕様パターンを追加しました") if tender.kind == "pc" else _("品目を追加しました"), "success")
        except service.TenderError as exc:
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id))


@bp.post("/office/tenders/<int:tender_id>/actions/<action>")
@allow(Role.OFFICE)
def office_action(tender_id, action):
    tender = tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        try:
            now = utcnow()
            if action == "open_bids":  # the officer asks; another office user witnesses and opens
                if tender.opening_requested_by_id is None:
                    service.request_opening(request_user(), tender.id, now)
                    flash(_("開札を申請しました。別の職員が立会人として確認すると開札します"), "success")
                    return redirect(url_for("tenders.office_detail", tender_id=tender.id))
                service.open_bids(request_user(), tender.id, now)
            elif action == "award":
                technical = {}
                for key, value in request.form.items():
                    if key.startswith("tech_") and key[5:].isdigit() and value.strip():
                        result = db.session.get(BidEvaluation, int(key[5:]))
                        if result is None or result.bid.tender_id != tender.id:
                            abort(404)
                        points = parse_decimal(value)
                        if points < 0:
                            raise ValueError(_("%(name)s: 技術点は 0 以上にしてください", name=result.bid.vendor.name))
                        technical[(result.lot_code, result.bid.vendor_id)] = points
                if not service.award(request_user(), tender.id, now, technical):
                    flash(_("有効な入札がないため、不調としました"), "success")
            elif action == "next_round":
                tender = service.open_next_round(request_user(), tender.id, now)
                flash(_("第%(n)s回の追加募集を始めました。これから参加する区は第%(n)s回として記録されます", n=tender.demand_round),
                      "success")
            elif action == "make_contracts":
                service.make_contracts(request_user(), tender.id, now)
            elif action in OFFICE_ACTIONS:
                service.move(request_user(), tender.id, action, now)
            else:
                abort(404)
            flash(_("操作を実行しました"), "success")
        except (service.TenderError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id))

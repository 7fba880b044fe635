"""Ward pages: join, enter demand (PC units or facilities by xlsx), environmental criteria, contracts."""
from __future__ import annotations


from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from catalog.forms import CsrfForm
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.permissions import WARD, allow, request_user
from procure.textnorm import parse_date, parse_decimal, parse_int
from tenders import lifecycle, service
from tenders.models import Contract, FacilityDemandLine, PcDemandLine, Tender, TenderWard
from tenders.views.common import _tender_or_404, bp


@bp.get("/ward/tenders")
@allow(*WARD)
def ward_list():
    user = request_user()
    joined = set(db.session.scalars(select(TenderWard.tender_id).filter_by(ward_id=user.ward_id)))
    tenders = db.session.scalars(select(Tender).where(
        (Tender.status == lifecycle.DEMAND) | Tender.id.in_(joined or {-1})).order_by(Tender.id.desc())).all()
    return render_template("tenders/ward_list.html", tenders=tenders, joined=joined)


@bp.route("/ward/tenders/<int:tender_id>", methods=["GET", "POST"])
@allow(*WARD)
def ward_detail(tender_id):
    tender = _tender_or_404(tender_id)
    user = request_user()
    joined = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=user.ward_id))
    if joined is None and tender.status != lifecycle.DEMAND:
        abort(404)
    form, error = CsrfForm(), None
    if request.method == "POST" and form.validate_on_submit():
        try:
            if request.form.get("action") == "join":
                service.join(user, tender.id, utcnow())
                flash(_("参加しました"), "success")
            elif request.form.get("action") == "facilities":
                from tenders.facility_upload import read_facilities

                upload = request.files.get("file")
                if upload is None or not upload.filename.lower().endswith(".xlsx"):
                    raise ValueError(_("施設一覧の xlsx ファイルを選んでください"))
                facilities, problems = read_facilities(upload.read())
                if problems:
                    raise ValueError("\n".join(problems))
                threshold = request.form.get("threshold", "").strip()
                count = service.enter_facility_demand(user, tender.id, facilities, utcnow(),
                                                      parse_decimal(threshold) if threshold else None)
                flash(_("%(n)s 施設を登録しました", n=count), "success")
            elif request.form.get("action") == "environment":
                _save_environment(user, tender)
                flash(_("環境配慮の評価基準を保存しました"), "success")
            elif request.form.get("action") == "change":
                service.change_contract_quantity(
                    user, request.form.get("contract_id", type=int), request.form.get("line", type=int),
                    parse_int(request.form.get("quantity", ""), _("数量"), 0), utcnow())
                flash(_("契約数量を変更しました"), "success")
            else:
                lines = []
                for pattern in tender.patterns:
                    text = request.form.get(f"qty_{pattern.code}", "").strip()
                    quantity = parse_int(text, pattern.name, 0) if text else 0
                    if quantity:
                        months = request.form.get(f"lease_{pattern.code}", "").strip()
                        when = request.form.get(f"date_{pattern.code}", "").strip()
                        lines.append({"pattern": pattern.code, "quantity": quantity,
                                      "options": request.form.getlist(f"opt_{pattern.code}"),
                                      "lease_months": parse_int(months, _("リース月数"), 1, 120) if months else None,
                                      "facility_id": request.form.get(f"site_{pattern.code}", type=int),
                                      "delivery_date": parse_date(when, _("納品希望日")) if when else None})
                service.enter_pc_demand(user, tender.id, lines, utcnow())
                flash(_("需要数量を登録しました"), "success")
            return redirect(url_for("tenders.ward_detail", tender_id=tender.id))
        except (service.TenderError, ValueError) as exc:
            db.session.rollback()
            error = str(exc)
    lines = db.session.scalars(select(PcDemandLine).filter_by(tender_id=tender.id, ward_id=user.ward_id)).all()
    contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender.id, ward_id=user.ward_id)
                                   .order_by(Contract.lot_code)).all()
    facilities = db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id, ward_id=user.ward_id)
                                    .order_by(FacilityDemandLine.id)).all()
    from procure.models import Facility

    sites = db.session.scalars(select(Facility).filter_by(ward_id=user.ward_id).order_by(Facility.id)).all()
    return render_template("tenders/ward_detail.html", tender=tender, joined=joined, lines=lines, form=form,
                           error=error, contracts=contracts, facilities=facilities, sites=sites)


@bp.get("/ward/tenders/facilities-template.xlsx")
@allow(*WARD)
def facilities_template():
    import io

    from tenders.facility_upload import template_workbook

    buffer = io.BytesIO()
    template_workbook().save(buffer)
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="facilities_template.xlsx"'})


def _save_environment(user, tender: Tender) -> None:
    """The ward's 環境配慮 form: every problem is reported (and marked on its field), nothing is saved."""
    from flask import g

    from tenders.environment_table import TableError, read_form

    try:
        threshold, table = read_form(request.form)
    except TableError as exc:
        g.environment_problems = {}
        for problem in exc.problems:
            g.environment_problems.setdefault(problem.field, []).append(problem.message)
        raise
    service.set_environment(user, tender.id, threshold, table, utcnow())


@bp.app_template_global()
def tender_environment_form(joined: TenderWard) -> dict:
    """What the ward's 環境配慮 form shows: what was just posted when it had problems, else the
    ward's saved threshold and table (or the default)."""
    from flask import g

    from tenders import environment_table as et

    if request.method == "POST" and request.form.get("action") == "environment":
        values = {k: v for k, v in request.form.items() if k.startswith("env-")}
    else:
        env = service._environment(joined)
        values = et.form_values(env.threshold, env.table)
    return {"criteria": et.CRITERIA, "bands": range(1, et.MAX_BANDS + 1), "field": et.field,
            "threshold_field": et.THRESHOLD_FIELD, "values": values, "problems": g.get("environment_problems", {})}


@bp.app_template_global()
def tender_environments(tender: Tender, ward_id: int | None = None) -> list[dict]:
    """Each participating ward's threshold and scoring table (or only ward_id's), read-only:
    bidders need to know them."""
    from tenders.environment_table import max_points

    return [{"ward": row.ward, "threshold": env.threshold, "table": env.table, "max_points": max_points(env.table),
             "own_table": row.environmental_table is not None}
            for row, env in service.ward_environments(tender) if ward_id is None or row.ward_id == ward_id]

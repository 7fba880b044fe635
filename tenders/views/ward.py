"""Ward pages: join, enter demand (PC units or facilities by xlsx), environmental criteria, contracts."""
from __future__ import annotations


from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from procure.forms import CsrfForm
from procure import uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.permissions import WARD, allow, request_user
from procure.textnorm import parse_date, parse_decimal, parse_int
from tenders import lifecycle, service
from tenders import options as option_tiers
from tenders.models import Contract, FacilityDemandLine, PcDemandLine, Tender, TenderWard
from tenders.views.common import tender_or_404, bp


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
    tender = tender_or_404(tender_id)
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
                    parse_int(request.form.get("quantity", ""), _("数量"), 0), utcnow(),
                    request.form.get("rationale", ""))
                flash(_("契約数量を変更しました"), "success")
            else:
                lines = _demand_lines(tender, request.form)
                service.enter_pc_demand(user, tender.id, lines, utcnow())
                flash(_("需要数量を登録しました"), "success")
            return redirect(url_for("tenders.ward_detail", tender_id=tender.id))
        except (service.TenderError, ValueError) as exc:
            uow.rollback()
            error = str(exc)
    lines = db.session.scalars(select(PcDemandLine).filter_by(tender_id=tender.id, ward_id=user.ward_id)
                               .order_by(PcDemandLine.id)).all()
    contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender.id, ward_id=user.ward_id)
                                   .order_by(Contract.lot_code)).all()
    facilities = db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id, ward_id=user.ward_id)
                                    .order_by(FacilityDemandLine.id)).all()
    from procure.models import Facility

    sites = db.session.scalars(select(Facility).filter_by(ward_id=user.ward_id).order_by(Facility.id)).all()
    posted = request.form if error and request.form.get("action") is None else None
    # A refused contract change shows again what was typed, on its line.
    change = request.form if error and request.form.get("action") == "change" else None
    return render_template("tenders/ward_detail.html", tender=tender, joined=joined, lines=lines, form=form,
                           demand_rows=_demand_rows(tender, lines, posted), option_groups=option_tiers.groups,
                           error=error, contracts=contracts, facilities=facilities, sites=sites, change=change)


def _demand_rows(tender: Tender, lines: list[PcDemandLine], posted=None) -> list[tuple]:
    """Per pattern, the rows the demand form shows: what was just posted when it had a problem
    (nothing typed is lost), else the stored lines; then two blank rows while demand is open."""
    blank = {"qty": "", "options": set(), "tiers": {}, "lease": "", "site": None, "date": ""}
    result = []
    for pattern in tender.patterns:
        groups = list(option_tiers.groups(pattern.options))
        tier_of = {o["code"]: groups.index(o["group"]) for o in pattern.options if o.get("group")}
        rows = []
        if posted is not None:
            index = 0
            while f"qty_{pattern.code}_{index}" in posted:
                f = f"{pattern.code}_{index}"
                rows.append({"qty": posted.get(f"qty_{f}", ""), "options": set(posted.getlist(f"opt_{f}")),
                             "tiers": {g: posted.get(f"tier_{f}_{g}", "") for g in range(len(groups))},
                             "lease": posted.get(f"lease_{f}", ""), "site": posted.get(f"site_{f}", type=int),
                             "date": posted.get(f"date_{f}", "")})
                index += 1
        else:
            for line in (l for l in lines if l.pattern_code == pattern.code):
                rows.append({"qty": line.quantity, "options": set(line.options),
                             "tiers": {tier_of[o]: o for o in line.options if o in tier_of},
                             "lease": line.lease_months or "", "site": line.facility_id,
                             "date": line.delivery_date.isoformat() if line.delivery_date else ""})
            if tender.status == lifecycle.DEMAND:
                rows += [dict(blank), dict(blank)]
        result.append((pattern, rows or [dict(blank)]))
    return result


def _demand_lines(tender: Tender, form) -> list[dict]:
    """The PC (or item) demand rows of the form: per pattern, rows 0.. with units, option tiers
    (one per group) and free options, lease months, delivery site and date; blank rows skipped."""
    lines = []
    for pattern in tender.patterns:
        tier_groups = list(option_tiers.groups(pattern.options))
        index = 0
        while f"qty_{pattern.code}_{index}" in form:
            row = _("%(pattern)s %(n)s行目", pattern=pattern.name, n=index + 1)
            field = f"{pattern.code}_{index}"
            text = form.get(f"qty_{field}", "").strip()
            quantity = parse_int(text, row, 0) if text else 0
            if quantity:
                months = form.get(f"lease_{field}", "").strip()
                when = form.get(f"date_{field}", "").strip()
                chosen = form.getlist(f"opt_{field}") + [form[f"tier_{field}_{g}"] for g in range(len(tier_groups))
                                                         if form.get(f"tier_{field}_{g}")]
                lines.append({"pattern": pattern.code, "quantity": quantity, "options": chosen, "row": row,
                              "lease_months": parse_int(months, f"{row} {_('リース月数')}", 1, 120) if months else None,
                              "facility_id": form.get(f"site_{field}", type=int),
                              "delivery_date": parse_date(when, f"{row} {_('納品希望日')}") if when else None})
            index += 1
    return lines


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
        env = service.ward_environment(joined)
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

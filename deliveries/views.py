"""Deliveries to inspect, inspection (検収), records with xlsx/PDF export, delivery notes: for
catalog orders and tender contracts alike."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from deliveries.inspection import InspectionEntry
from deliveries.models import Delivery, DeliveryLine, Inspection
from deliveries.records import records_xlsx, ward_records
from deliveries.services import DeliveryError, inspect_delivery
from procure.forms import CsrfForm
from procure import audit, uow
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.jpcalendar import parse_month
from procure.models import Facility, Role, Ward, document_date_style
from procure.pdf import render_pdf
from procure.permissions import WARD, allow, get_owned_or_404, request_user, scoped
from procure.textnorm import parse_int

bp = Blueprint("records", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/ward/inspections")
@allow(*WARD)
def to_inspect():
    user = request_user()
    pending = exists().where(DeliveryLine.delivery_id == Delivery.id,
                             ~exists().where(Inspection.delivery_line_id == DeliveryLine.id))
    rows = db.session.scalars(scoped(select(Delivery), Delivery, user).where(pending)
                              .options(selectinload(Delivery.vendor), selectinload(Delivery.facility))
                              .order_by(Delivery.delivered_on, Delivery.id)).all()
    return render_template("deliveries/to_inspect.html", deliveries=rows)


@bp.get("/deliveries/<int:delivery_id>")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def delivery_detail(delivery_id):
    delivery = get_owned_or_404(Delivery, delivery_id)
    return render_template("deliveries/delivery.html", delivery=delivery, form=CsrfForm(), errors=None,
                           can_inspect=request_user().role == Role.WARD_INSPECTOR)


@bp.post("/deliveries/<int:delivery_id>/inspection")
@allow(Role.WARD_INSPECTOR)
def inspect(delivery_id):
    delivery = get_owned_or_404(Delivery, delivery_id)
    form = CsrfForm()
    try:
        if not form.validate_on_submit():
            raise DeliveryError(_("フォームの有効期限が切れました。もう一度送信してください"))
        entries = []
        for line in delivery.lines:
            if line.inspection is not None or f"accepted_{line.id}" not in request.form:
                continue
            accepted = parse_int(request.form.get(f"accepted_{line.id}", ""), _("合格数"), 0)
            rejected = parse_int(request.form.get(f"rejected_{line.id}") or "0", _("不合格数"), 0)
            entries.append(InspectionEntry(line.id, accepted, rejected, request.form.get(f"reason_{line.id}")))
        inspect_delivery(request_user(), delivery.id, entries)
    except (DeliveryError, ValueError) as exc:
        uow.rollback()
        return render_template("deliveries/delivery.html", delivery=delivery, form=form, errors=str(exc),
                               can_inspect=True, values=request.form), 422
    flash(_("検収を記録しました"), "success")
    return redirect(url_for("records.delivery_detail", delivery_id=delivery.id))


def _scope():
    """Ward users see their own ward; the office picks one with ?ward=<code>."""
    user = request_user()
    if user.role == Role.OFFICE:
        wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
        ward = next((w for w in wards if w.code == request.args.get("ward")), wards[0])
    else:
        wards, ward = [], user.ward
    year, month = parse_month(request.args.get("month"), today_in_tokyo())
    facilities = db.session.scalars(select(Facility).filter_by(ward_id=ward.id).order_by(Facility.id)).all()
    facility_id = request.args.get("facility", type=int)
    if facility_id not in {f.id for f in facilities}:
        facility_id = None
    return dict(ward=ward, wards=wards, year=year, month=month, facilities=facilities,
                facility_id=facility_id)


def _title(scope) -> str:
    facility = next((f.name for f in scope["facilities"] if f.id == scope["facility_id"]), "")
    return f"{scope['ward'].name_ja} 納品・検収記録 {scope['year']}年{scope['month']}月 {facility}".strip()


@bp.get("/records")
@allow(*WARD, Role.OFFICE)
def records():
    scope = _scope()
    rows = ward_records(scope["ward"].id, scope["year"], scope["month"], scope["facility_id"])
    return render_template("deliveries/records.html", rows=rows, title=_title(scope), **scope)


def _export(kind: str):
    scope = _scope()
    rows = ward_records(scope["ward"].id, scope["year"], scope["month"], scope["facility_id"])
    audit.record(db.session, "export", "records", scope["ward"].code,
                 after={"format": kind, "month": f"{scope['year']}-{scope['month']:02d}", "rows": len(rows)})
    name = f"records_{scope['ward'].code}_{scope['year']}{scope['month']:02d}.{kind}"
    if kind == "xlsx":
        body, mimetype = records_xlsx(rows, _title(scope)), XLSX
    else:
        body, mimetype = render_pdf("pdf/records.html", rows=rows, title=_title(scope)), "application/pdf"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/records.xlsx")
@allow(*WARD, Role.OFFICE)
def records_xlsx_export():
    return _export("xlsx")


@bp.get("/records.pdf")
@allow(*WARD, Role.OFFICE)
def records_pdf_export():
    return _export("pdf")


@bp.get("/deliveries/<int:delivery_id>/inspection.pdf")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def inspection_record(delivery_id):
    """検収調書, once every line of the delivery is inspected."""
    from deliveries.inspection_document import inspected_lines, totals

    delivery = get_owned_or_404(Delivery, delivery_id)
    inspections = [line.inspection for line in delivery.lines]
    if not inspections or any(i is None for i in inspections):
        abort(404)
    lines = inspected_lines(delivery)
    by_rate, total = totals(lines)
    last = max(inspections, key=lambda i: i.inspected_at)
    body = render_pdf("pdf/inspection.html", delivery=delivery, lines=lines, by_rate=by_rate, total=total,
                      inspected_on=last.inspected_at, inspector=last.inspector.name,
                      date_style=document_date_style(delivery.ward_id))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="inspection_{delivery.id}.pdf"'})


@bp.get("/deliveries/<int:delivery_id>/note.pdf")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def delivery_note(delivery_id):
    delivery = get_owned_or_404(Delivery, delivery_id)
    body = render_pdf("pdf/delivery_note.html", delivery=delivery)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="delivery_note_{delivery.id}.pdf"'})


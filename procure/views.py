"""Role homes and the organisation pages (thin: queries and templates only)."""
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from procure import audit
from procure.audit_queries import (ACTION_LABELS, AuditFilter, Cursor, action_label, audit_export,
                                   audit_page, audit_xlsx, entity_label)
from procure.extensions import db
from procure.formatting import TOKYO
from procure.redirects import safe_next
from procure.models import Facility, Role, User, Vendor, Ward
from procure.ward_todos import ward_todos
from procure.permissions import (ANY_SIGNED_IN, WARD, allow, get_owned_or_404, public,
                                 request_user, scoped)

bp = Blueprint("home", __name__)

ROLE_HOMES = {
    Role.WARD_STAFF: "home.ward_home",
    Role.WARD_APPROVER: "home.ward_home",
    Role.WARD_INSPECTOR: "home.ward_home",
    Role.OFFICE: "home.office_home",
    Role.VENDOR: "home.vendor_home",
}
LANGUAGES = ("ja", "en")


@bp.get("/")
@allow(*ANY_SIGNED_IN)
def index():
    return redirect(url_for(ROLE_HOMES[request_user().role]))


@bp.get("/lang/<code>")
@public
def set_language(code):
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next"), "/"))


# --- ward ------------------------------------------------------------------------------

@bp.get("/ward/")
@allow(*WARD)
def ward_home():
    user = request_user()
    colleagues = db.session.scalars(
        scoped(select(User), User, user).order_by(User.role, User.email)).all()
    return render_template("ward/home.html", ward=user.ward, colleagues=colleagues, todos=ward_todos(user))


@bp.get("/ward/facilities")
@allow(*WARD)
def ward_facilities():
    user = request_user()
    facilities = db.session.scalars(
        scoped(select(Facility), Facility, user).options(selectinload(Facility.spaces))
        .order_by(Facility.kind, Facility.id)).all()
    return render_template("ward/facilities.html", ward=user.ward, facilities=facilities)


@bp.get("/ward/facilities/<int:facility_id>")
@allow(*WARD, Role.OFFICE)
def facility_detail(facility_id):
    facility = get_owned_or_404(Facility, facility_id)
    return render_template("ward/facility.html", facility=facility)


# --- office ----------------------------------------------------------------------------

@bp.get("/office/")
@allow(Role.OFFICE)
def office_home():
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    facility_counts = dict(db.session.execute(
        select(Facility.ward_id, func.count()).group_by(Facility.ward_id)).all())
    vendor_count = db.session.scalar(select(func.count()).select_from(Vendor))
    todos = [todo for todo in (make() for make in current_app.extensions.get("office_todos", ())) if todo]
    return render_template("office/home.html", wards=wards, facility_counts=facility_counts,
                           vendor_count=vendor_count, todos=todos)


@bp.get("/office/wards/<code>")
@allow(Role.OFFICE)
def office_ward(code):
    ward = db.session.scalar(select(Ward).where(Ward.code == code)) or abort(404)
    return render_template("office/ward.html", ward=ward)


@bp.get("/office/vendors")
@allow(Role.OFFICE)
def office_vendors():
    vendors = db.session.scalars(select(Vendor).options(selectinload(Vendor.qualifications))
                                 .order_by(Vendor.name)).all()
    return render_template("office/vendors.html", vendors=vendors)


@bp.get("/office/vendors/<int:vendor_id>")
@allow(Role.OFFICE)
def office_vendor(vendor_id):
    return render_template("vendor/profile.html", vendor=get_owned_or_404(Vendor, vendor_id))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/office/audit")
@allow(Role.OFFICE)
def audit_log():
    filters, errors = AuditFilter.from_args(request.args)
    cursor, cursor_error = Cursor.from_args(request.args)
    page = audit_page(None if errors else filters, cursor)
    return render_template("office/audit.html", page=page, filters=filters, errors=errors,
                           cursor=cursor, cursor_error=cursor_error, values=request.args,
                           action_labels=ACTION_LABELS,
                           entity_label=entity_label, action_label=action_label), 400 if errors else 200


@bp.get("/office/audit.xlsx")
@allow(Role.OFFICE)
def audit_log_xlsx():
    filters, errors = AuditFilter.from_args(request.args)
    if errors:
        return audit_log()
    export = audit_export(filters)
    audit.record(db.session, "export", "audit_log", after={
        "format": "xlsx", "filters": filters.as_args(), "rows": len(export.rows), "capped": export.capped})
    name = f"audit_log_{datetime.now(TOKYO):%Y%m%d_%H%M}.xlsx"
    return Response(audit_xlsx(export, filters), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


# --- vendor ----------------------------------------------------------------------------

@bp.get("/vendor/")
@allow(Role.VENDOR)
def vendor_home():
    return render_template("vendor/profile.html", vendor=request_user().vendor)

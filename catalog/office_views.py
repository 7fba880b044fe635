"""Office pages: catalog review and approval, month close of pooled prices (thin)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog import versions
from catalog.forms import MonthCloseForm, ReviewForm
from catalog.models import PENDING_REVIEW, CatalogVersion
from catalog.month_close import MonthCloseError, check_closable
from catalog.pooled_policies import PooledPolicyError, pooled_items, set_item_policy
from catalog.order_models import MonthClose
from procure import uow
from procure.extensions import db
from procure.forms import CsrfForm
from procure.pricing.policy import PolicyError
from procure.pricing_policy_forms import MODE_LABELS, ROUNDING_LABELS, describe, policy_from_form
from procure.textnorm import parse_int
from procure.formatting import today_in_tokyo
from procure.models import Role
from procure.permissions import allow, request_user
from procure.routing import MAX_ID

bp = Blueprint("catalog_office", __name__, url_prefix="/office/catalog")


@bp.get("/")
@allow(Role.OFFICE)
def versions_list():
    rows = db.session.scalars(select(CatalogVersion).options(selectinload(CatalogVersion.vendor))
                              .order_by((CatalogVersion.status == PENDING_REVIEW).desc(),
                                        CatalogVersion.uploaded_at.desc()).limit(300)).all()
    return render_template("catalog/office_versions.html", versions=rows)


@bp.get("/<int:version_id>")
@allow(Role.OFFICE)
def version_detail(version_id):
    version = db.get_or_404(CatalogVersion, version_id)
    return render_template("catalog/version.html", version=version, review_form=ReviewForm(),
                           review_error=None, **_agreement_of(version))


def _agreement_of(version: CatalogVersion, on=None) -> dict:
    """The vendor's 単価契約 in force when the version applies, for the reviewer to see."""
    from catalog import agreements

    agreement = agreements.covering(version.vendor_id, on or version.effective_from or today_in_tokyo())
    return {"agreement_checked": True, "agreement": agreement,
            "agreement_method": agreements.describe(agreement) if agreement else ""}


@bp.post("/<int:version_id>/review")
@allow(Role.OFFICE)
def review(version_id):
    version = db.get_or_404(CatalogVersion, version_id)
    form = ReviewForm()
    if form.validate_on_submit():
        approve = request.form.get("action") == "approve"
        try:
            versions.review(request_user(), version.id, approve, form.effective_from.data,
                            form.note.data, today_in_tokyo())
        except versions.ReviewError as exc:
            return render_template("catalog/version.html", version=version, review_form=form,
                                   review_error=str(exc), **_agreement_of(version, form.effective_from.data)), 422
        flash(_("第%(n)s版を承認しました", n=version.number) if approve
              else _("第%(n)s版を差し戻しました", n=version.number), "success")
        return redirect(url_for("catalog_office.versions_list"))
    error = "; ".join(str(m) for messages in form.errors.values() for m in messages)
    return render_template("catalog/version.html", version=version, review_form=form,
                           review_error=error, **_agreement_of(version)), 422


@bp.route("/month-close", methods=["GET", "POST"])
@allow(Role.OFFICE)
def month_close():
    """The office closes a month: checked here, done by a background job (progress on the page)."""
    from procure import jobs

    form = MonthCloseForm()
    error = None
    if form.validate_on_submit():
        year, month = (int(part) for part in form.month.data.split("-"))
        try:
            check_closable(year, month, today_in_tokyo())
            job = jobs.submit("month_close", "catalog.month_close:close_month_job", owner_id=request_user().id,
                              timeout_seconds=1800, year=year, month=month, today=today_in_tokyo().isoformat(),
                              office_id=request_user().id)
            flash(_("%(y)s年%(m)s月の締め処理を始めました", y=year, m=month), "success")
            return redirect(url_for("catalog_office.month_close", job=job.id))
        except MonthCloseError as exc:
            error = str(exc)
    job_id = request.args.get("job", type=int)
    job = db.session.get(jobs.Job, job_id) if job_id and job_id <= MAX_ID else None
    if job is not None and (job.kind != "month_close" or job.owner_id != request_user().id):
        job = None
    closes = db.session.scalars(select(MonthClose).order_by(MonthClose.year.desc(),
                                                            MonthClose.month.desc())).all()
    return render_template("catalog/month_close.html", form=form, closes=closes, error=error, job=job)


@bp.route("/pooled-pricing", methods=["GET", "POST"])
@allow(Role.OFFICE)
def pooled_pricing():
    """Each pooled item's pricing policy for month close."""
    form = CsrfForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            set_item_policy(request_user(), parse_int(request.form.get("vendor_id", ""), _("事業者"), 1, 2 ** 31 - 1),
                            request.form.get("sku", ""), policy_from_form(request.form), today_in_tokyo())
            flash(_("次の月次締めから、この決め方で精算します"), "success")
        except (PooledPolicyError, PolicyError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
        return redirect(url_for("catalog_office.pooled_pricing"))
    return render_template("catalog/pooled_pricing.html", items=pooled_items(today_in_tokyo()), form=form,
                           describe=describe, policy_names=MODE_LABELS, rounding_names=ROUNDING_LABELS)


@bp.route("/agreements", methods=["GET", "POST"])
@allow(Role.OFFICE)
def agreements_list():
    """単価契約 with catalog vendors: how each was awarded, its 予定価格 and term."""
    from catalog import agreements
    from catalog.models import FrameworkAgreement
    from procure.models import Vendor
    from procure.procurement_method_labels import GROUND_LABELS, METHOD_LABELS
    from procure.textnorm import parse_date, parse_decimal

    form, error, values = CsrfForm(), None, {}
    if request.method == "POST" and form.validate_on_submit():
        values = request.form.to_dict()
        try:
            estimated = values.get("estimated", "").strip()
            entry = agreements.AgreementEntry(
                vendor_id=parse_int(values.get("vendor", ""), _("事業者"), 1, MAX_ID), title=values.get("title", ""),
                method=values.get("procurement_method", ""), ground=values.get("procurement_ground") or None,
                estimated=parse_decimal(estimated) if estimated else None,
                concluded_on=parse_date(values.get("concluded_on", ""), _("契約締結日")),
                starts=parse_date(values.get("starts", ""), _("契約期間の始期")),
                ends=parse_date(values.get("ends", ""), _("契約期間の終期")))
            agreement, warnings = agreements.register(request_user(), entry)
            flash(_("単価契約を登録しました（%(title)s）", title=agreement.title), "success")
            for warning in warnings:
                flash(warning, "warning")
            return redirect(url_for("catalog_office.agreements_list"))
        except (agreements.AgreementError, ValueError) as exc:
            uow.rollback()
            error = str(exc)
    rows = db.session.scalars(select(FrameworkAgreement).options(selectinload(FrameworkAgreement.vendor))
                              .order_by(FrameworkAgreement.starts.desc(), FrameworkAgreement.id.desc())).all()
    vendors = db.session.scalars(select(Vendor).order_by(Vendor.name)).all()
    return render_template("catalog/agreements.html", agreements=rows, vendors=vendors, form=form, error=error,
                           values=values, method_names=METHOD_LABELS, grounds=GROUND_LABELS, describe=agreements.describe,
                           today=today_in_tokyo()), 422 if error else 200

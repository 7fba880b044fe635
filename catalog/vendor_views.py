"""Vendor pages: catalog upload and versions, orders, deliveries (thin)."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from catalog import versions
from catalog.approval import APPROVED
from catalog.forms import CatalogUploadForm
from procure.forms import CsrfForm
from catalog.fulfilment import FulfilmentError, confirm_order, ship, vendor_lines
from catalog.models import CatalogVersion
from catalog.order_models import Order, OrderLine
from catalog.upload import template_workbook
from deliveries.services import order_deliveries
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import Role
from procure.permissions import allow, get_owned_or_404, request_user, scoped
from procure.textnorm import parse_date, parse_int

bp = Blueprint("vendor_catalog", __name__, url_prefix="/vendor")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/catalog")
@allow(Role.VENDOR)
def catalog_versions():
    user = request_user()
    rows = db.session.scalars(scoped(select(CatalogVersion), CatalogVersion, user)
                              .order_by(CatalogVersion.number.desc())).all()
    return render_template("catalog/vendor_versions.html", versions=rows, form=CatalogUploadForm())


@bp.get("/catalog/template.xlsx")
@allow(Role.VENDOR, Role.OFFICE)
def catalog_template():
    buffer = io.BytesIO()
    template_workbook().save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name="catalog_template.xlsx")


@bp.post("/catalog")
@allow(Role.VENDOR)
def catalog_upload():
    form = CatalogUploadForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("vendor_catalog.catalog_versions"))
    try:
        version = versions.start_upload(request_user(), form.file.data.stream, form.file.data.filename)
    except versions.ReviewError as exc:
        flash(str(exc), "error")
        return redirect(url_for("vendor_catalog.catalog_versions"))
    return redirect(url_for("vendor_catalog.catalog_version", version_id=version.id))


@bp.get("/catalog/<int:version_id>")
@allow(Role.VENDOR)
def catalog_version(version_id):
    version = get_owned_or_404(CatalogVersion, version_id)
    mine = version.job is not None and version.job.owner_id == request_user().id
    return render_template("catalog/version.html", version=version, review_form=None, form=CsrfForm(),
                           can_run_again=mine)


def _vendor_orders_stmt(user):
    """Orders that hold at least one approved line of this vendor."""
    return select(Order).where(exists().where(OrderLine.order_id == Order.id,
                                              OrderLine.vendor_id == user.vendor_id,
                                              OrderLine.approval == APPROVED))


@bp.get("/orders")
@allow(Role.VENDOR)
def orders():
    user = request_user()
    rows = db.session.scalars(_vendor_orders_stmt(user).options(selectinload(Order.lines),
                                                                 selectinload(Order.ward))
                              .order_by(Order.placed_at.desc()).limit(200)).all()
    return render_template("catalog/vendor_orders.html",
                           orders=[(o, vendor_lines(o, user.vendor_id)) for o in rows])


def _own_order(order_id):
    user = request_user()
    order = db.session.scalar(_vendor_orders_stmt(user).where(Order.id == order_id))
    if order is None:
        abort(404)
    return user, order


@bp.get("/orders/<int:order_id>")
@allow(Role.VENDOR)
def order_detail(order_id):
    user, order = _own_order(order_id)
    deliveries = order_deliveries(order.id, user.vendor_id)
    return render_template("catalog/vendor_order.html", order=order, lines=vendor_lines(order, user.vendor_id),
                           deliveries=deliveries, form=CsrfForm(), today=today_in_tokyo(),
                           errors=None, values={})


@bp.post("/orders/<int:order_id>/confirm")
@allow(Role.VENDOR)
def confirm(order_id):
    user, order = _own_order(order_id)
    if CsrfForm().validate_on_submit():
        confirm_order(user, order.id)
        flash(_("受注を確認しました"), "success")
    return redirect(url_for("vendor_catalog.order_detail", order_id=order.id))


@bp.post("/orders/<int:order_id>/deliveries")
@allow(Role.VENDOR)
def deliver(order_id):
    user, order = _own_order(order_id)
    form = CsrfForm()
    values = request.form.to_dict()
    try:
        if not form.validate_on_submit():
            raise FulfilmentError(_("フォームの有効期限が切れました。もう一度送信してください"))
        quantities = {int(key[4:]): parse_int(value, _("納品数"), 0)
                      for key, value in request.form.items() if key.startswith("qty_") and value.strip()}
        delivery = ship(user, order.id, values.get("note_number", ""),
                        parse_date(values.get("delivered_on", ""), _("納品日")), quantities)
    except (FulfilmentError, ValueError) as exc:
        deliveries = order_deliveries(order.id, user.vendor_id)
        return render_template("catalog/vendor_order.html", order=order,
                               lines=vendor_lines(order, user.vendor_id), deliveries=deliveries,
                               form=form, today=today_in_tokyo(), errors=str(exc), values=values), 422
    flash(_("納品を登録しました（納品書番号 %(no)s）", no=delivery.note_number), "success")
    return redirect(url_for("vendor_catalog.order_detail", order_id=order.id))

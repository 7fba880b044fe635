"""Utility-space replenishment (共用文具置き場): par levels, stock count, proposed order."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from catalog import cart
from catalog.models import CatalogItem
from catalog.order_models import ParLevel
from catalog.queries import published_items
from catalog.replenish import ParLine, propose
from procure.forms import CsrfForm
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import Facility, Role, Space, SpaceKind
from procure.permissions import WARD, allow, get_owned_or_404, request_user
from procure.textnorm import parse_int

bp = Blueprint("replenish", __name__, url_prefix="/ward/replenish")
ORDERING = (Role.WARD_STAFF, Role.WARD_APPROVER)


@bp.get("/")
@allow(*WARD)
def spaces():
    user = request_user()
    rows = db.session.scalars(select(Space).join(Facility, Space.facility_id == Facility.id)
                              .where(Facility.ward_id == user.ward_id, Space.kind == SpaceKind.UTILITY)
                              .order_by(Facility.id, Space.id)).all()
    return render_template("catalog/replenish_spaces.html", spaces=rows)


def _space(space_id):
    space = db.get_or_404(Space, space_id)
    if space.facility.ward_id != request_user().ward_id or space.kind != SpaceKind.UTILITY:
        abort(404)
    return space


def _par_lines(space):
    pars = db.session.scalars(select(ParLevel).filter_by(space_id=space.id).order_by(ParLevel.id)).all()
    keys = [(p.vendor_id, p.sku) for p in pars]
    items = {}
    if keys:
        for item in db.session.scalars(published_items(today_in_tokyo()).where(
                or_(*[(CatalogItem.vendor_id == v) & (CatalogItem.sku == s) for v, s in keys]))):
            items[(item.vendor_id, item.sku)] = item
    return pars, items


@bp.route("/<int:space_id>", methods=["GET", "POST"])
@allow(*WARD)
def space(space_id):
    """GET: par levels and a stock count form. POST: the proposal that restores par."""
    space = _space(space_id)
    pars, items = _par_lines(space)
    form, proposal, error = CsrfForm(), None, None
    if request.method == "POST" and form.validate_on_submit():
        try:
            counts = {}
            for p in pars:
                text = request.form.get(f"count_{p.id}", "").strip()
                if text:
                    counts[(p.vendor_id, p.sku)] = parse_int(text, f"{p.name} の在庫数", 0)
            lines = [ParLine((p.vendor_id, p.sku), p.par_quantity,
                             items[(p.vendor_id, p.sku)].min_order_qty if (p.vendor_id, p.sku) in items else 1)
                     for p in pars]
            proposal = propose(lines, counts)
        except ValueError as exc:
            error = str(exc)
    return render_template("catalog/replenish_space.html", space=space, pars=pars, items=items, form=form,
                           proposal=proposal, error=error, values=request.form,
                           can_order=request_user().role in ORDERING)


@bp.post("/<int:space_id>/par")
@allow(*ORDERING)
def set_par(space_id):
    """Add or change a par level: the item by SKU or JAN code; 0 removes it."""
    space = _space(space_id)
    if CsrfForm().validate_on_submit():
        code = request.form.get("code", "").strip()
        try:
            par = parse_int(request.form.get("par", ""), _("定数"), 0, 100_000)
            item = db.session.scalar(published_items(today_in_tokyo()).where(
                or_(CatalogItem.sku == code, CatalogItem.jan == code)).limit(1))
            if item is None:
                raise ValueError(_("SKU または JAN コード「%(code)s」の商品は現在のカタログにありません", code=code))
            row = db.session.scalar(select(ParLevel).filter_by(space_id=space.id, vendor_id=item.vendor_id,
                                                               sku=item.sku))
            if par == 0:
                if row is not None:
                    db.session.delete(row)
            elif row is None:
                db.session.add(ParLevel(ward_id=space.facility.ward_id, space_id=space.id,
                                        vendor_id=item.vendor_id, sku=item.sku, name=item.name,
                                        par_quantity=par))
            else:
                row.par_quantity = par
            flash(_("定数を更新しました"), "success")
        except ValueError as exc:
            flash(str(exc), "error")
    return redirect(url_for("replenish.space", space_id=space.id))


@bp.post("/<int:space_id>/cart")
@allow(*ORDERING)
def to_cart(space_id):
    space = _space(space_id)
    if CsrfForm().validate_on_submit():
        pars = {p.id: p for p in db.session.scalars(select(ParLevel).filter_by(space_id=space.id))}
        wanted = {}
        try:
            for key, value in request.form.items():
                if key.startswith("order_") and int(key[6:]) in pars and value.strip():
                    quantity = parse_int(value, _("数量"), 0)
                    if quantity:
                        par = pars[int(key[6:])]
                        wanted[(par.vendor_id, par.sku)] = quantity
            cart.add_many(request_user(), wanted)
            flash(_("補充分 %(n)s 品目をカートに入れました", n=len(wanted)), "success")
        except (ValueError, cart.CartError) as exc:
            flash(str(exc), "error")
            return redirect(url_for("replenish.space", space_id=space.id))
    return redirect(url_for("ordering.cart_page"))

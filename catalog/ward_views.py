"""Ward pages: catalog search, cart, orders and approvals (thin: parse, call, render)."""
from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog import approval, cart
from catalog.models import CatalogItem
from catalog.order_models import Budget, Order, OrderLine
from catalog.ordering import CartLine, OrderError, budget_amount, decide_line, line_amount, place_order
from catalog.queries import categories, published_vendors, search
from procure.forms import CsrfForm
from procure.redirects import safe_next
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.jpcalendar import default_delivery_date, fiscal_year
from procure.dbtypes import utcnow
from procure.models import Department, Facility, Role, document_date_style
from procure.permissions import WARD, allow, get_owned_or_404, request_user, scoped
from procure.textnorm import parse_date, parse_int

bp = Blueprint("ordering", __name__, url_prefix="/ward")
ORDERING = (Role.WARD_STAFF, Role.WARD_APPROVER)
PAGE_SIZE = 50


def search_args() -> dict:
    args = request.args
    vendor = args.get("vendor", "")
    return {"text": args.get("q", "").strip()[:100], "category": args.get("category") or None,
            "vendor_id": int(vendor) if vendor.isdigit() else None,
            "green_only": args.get("green") == "1"}


@bp.get("/catalog")
@allow(*WARD, Role.OFFICE)
def catalog():
    page = max(1, request.args.get("page", 1, type=int))
    today = today_in_tokyo()
    criteria = search_args()
    rows = db.session.scalars(search(today, **criteria).options(selectinload(CatalogItem.vendor))
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template("catalog/search.html", items=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE,
                           page=page, criteria=criteria, categories=categories(today),
                           vendors=published_vendors(today), form=CsrfForm())


@bp.post("/cart/add")
@allow(*ORDERING)
def cart_add():
    form = CsrfForm()
    if form.validate_on_submit():
        try:
            quantity = parse_int(request.form.get("quantity", "1"), _("数量"), 1)
            item = cart.add(request_user(), request.form.get("item_id", type=int), quantity,
                            today_in_tokyo())
            flash(_("「%(name)s」をカートに入れました（%(qty)s）", name=item.name, qty=quantity), "success")
        except (ValueError, cart.CartError) as exc:
            flash(str(exc), "error")
    return redirect(safe_next(request.form.get("next"), url_for("ordering.cart_page")))


def _cart_context(user, errors=None, values=None):
    today = today_in_tokyo()
    rows = cart.contents(user, today)
    priced = [(row, item, line_amount(item.contract_price, row.quantity) if item else None)
              for row, item in rows]
    lead = max([item.lead_time_days for _, item, _ in priced if item] or [1])
    earliest = default_delivery_date(utcnow(), lead)
    budgets = db.session.scalars(
        scoped(select(Budget), Budget, user).where(Budget.fiscal_year == fiscal_year(earliest))
        .options(selectinload(Budget.department)).order_by(Budget.department_id, Budget.code)).all()
    values = values or {"delivery_date": earliest.isoformat(),
                        "department_id": user.department_id, "idempotency_key": uuid.uuid4().hex}
    return dict(
        rows=priced, total=sum((a for _, _, a in priced if a is not None), 0),
        estimate=budget_amount((a, i.tax_rate) for _, i, a in priced if i is not None),
        earliest=earliest, budgets=budgets, values=values, errors=errors or {},
        facilities=db.session.scalars(scoped(select(Facility), Facility, user).order_by(Facility.id)).all(),
        departments=db.session.scalars(scoped(select(Department), Department, user)
                                       .order_by(Department.id)).all(),
        form=CsrfForm())


@bp.get("/cart")
@allow(*ORDERING)
def cart_page():
    return render_template("catalog/cart.html", **_cart_context(request_user()))


@bp.post("/cart/update")
@allow(*ORDERING)
def cart_update():
    form = CsrfForm()
    if form.validate_on_submit():
        try:
            quantities = {int(key[4:]): parse_int(value, _("数量"), 0, cart.MAX_QUANTITY)
                          for key, value in request.form.items() if key.startswith("qty_")}
            cart.update(request_user(), quantities)
            flash(_("カートを更新しました"), "success")
        except (ValueError, cart.CartError) as exc:
            flash(str(exc), "error")
    return redirect(url_for("ordering.cart_page"))


@bp.post("/orders")
@allow(*ORDERING)
def place():
    user = request_user()
    form = CsrfForm()
    values = {k: request.form.get(k, "") for k in ("facility_id", "department_id", "budget_id",
                                                  "delivery_date", "note", "idempotency_key")}
    if not form.validate_on_submit():
        return render_template("catalog/cart.html", **_cart_context(
            user, {"form": _("フォームの有効期限が切れました。もう一度送信してください")}, values)), 400
    rows = cart.contents(user, today_in_tokyo())
    missing = [row.sku for row, item in rows if item is None]
    try:
        if missing:
            raise OrderError(_("カタログから外れた商品があります: %(skus)s", skus=", ".join(missing)), "cart")
        order = place_order(
            user, [CartLine(item.id, row.quantity) for row, item in rows],
            facility_id=request.form.get("facility_id", type=int),
            department_id=request.form.get("department_id", type=int),
            budget_id=request.form.get("budget_id", type=int),
            idempotency_key=values["idempotency_key"][:64] or uuid.uuid4().hex,
            requested_delivery_date=parse_date(values["delivery_date"], _("納品希望日"))
            if values["delivery_date"].strip() else None,
            note=values["note"].strip()[:500] or None, clear_cart=True)
    except (OrderError, ValueError) as exc:
        field = getattr(exc, "field", None) or "form"
        return render_template("catalog/cart.html", **_cart_context(user, {field: str(exc)}, values)), 422
    flash(_("注文 %(id)s を登録しました", id=order.id), "success")
    return redirect(url_for("ordering.order_detail", order_id=order.id))


@bp.get("/orders")
@allow(*WARD)
def orders():
    user = request_user()
    status = request.args.get("status") or None
    stmt = scoped(select(Order), Order, user).options(selectinload(Order.placed_by),
                                                        selectinload(Order.facility))
    if status:
        stmt = stmt.where(Order.status == status)
    rows = db.session.scalars(stmt.order_by(Order.placed_at.desc()).limit(200)).all()
    return render_template("catalog/orders.html", orders=rows, status=status)


@bp.get("/orders/<int:order_id>")
@allow(*WARD)
def order_detail(order_id):
    order = get_owned_or_404(Order, order_id)
    return render_template("catalog/order.html", order=order, form=CsrfForm(),
                           can_decide=request_user().role == Role.WARD_APPROVER)


@bp.get("/orders/<int:order_id>/order.pdf")
@allow(*WARD)
def order_pdf(order_id):
    """発注書: one page per vendor with the approved lines (catalog.order_document)."""
    from flask import Response

    from catalog.order_document import vendor_parts
    from procure.pdf import render_pdf

    order = get_owned_or_404(Order, order_id)
    body = render_pdf("pdf/order.html", order=order, parts=vendor_parts(order), date_style=document_date_style(order.ward_id))
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="order_{order.id}.pdf"'})


@bp.post("/orders/<int:order_id>/lines/<int:line_id>/decision")
@allow(Role.WARD_APPROVER)
def decide(order_id, line_id):
    order = get_owned_or_404(Order, order_id)
    form = CsrfForm()
    if form.validate_on_submit():
        if line_id not in {line.id for line in order.lines}:
            flash(_("明細が見つかりません"), "error")
        else:
            approve = request.form.get("action") == "approve"
            try:
                decide_line(request_user(), line_id, approve, request.form.get("reason"))
                flash(_("承認しました") if approve else _("却下しました"), "success")
            except OrderError as exc:
                flash(str(exc), "error")
    return redirect(url_for("ordering.order_detail", order_id=order.id))


@bp.get("/approvals")
@allow(Role.WARD_APPROVER)
def approvals():
    user = request_user()
    pending = db.session.scalars(
        scoped(select(Order), Order, user).where(Order.status == approval.PENDING)
        .order_by(Order.placed_at)).all()
    return render_template("catalog/approvals.html", orders=pending)

"""Pages of fee contracts: the office sets them up and sees each month's fees; a ward reports its
units and sees what it pays and why (the tier all wards reached together)."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from fees import service
from fees.models import FeeContract, FeeUsage
from fees.pricing import FeeError
from procure import uow
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.forms import CsrfForm
from procure.jpcalendar import parse_month as month_from_query
from procure.models import Role, Vendor, Ward
from procure.permissions import WARD, allow, request_user
from procure.textnorm import parse_decimal, parse_int

bp = Blueprint("fees", __name__)
MAX_TIERS = 30


def parse_tiers(text: str) -> list[tuple[int, Decimal]]:
    """'0=13, 10000=12, 20000=11' (full-width digits and 、 accepted) as (from units, unit fee)."""
    parts = [p for p in re.split(r"[,、，\s]+", text.strip()) if p]
    if not parts or len(parts) > MAX_TIERS:
        raise ValueError(_("料金表: 「件数=単価」を 1〜%(n)s 個、カンマ区切りで入力してください", n=MAX_TIERS))
    tiers = []
    for part in parts:
        units, sep, fee = part.replace("＝", "=").partition("=")
        if not sep:
            raise ValueError(_("料金表: 「%(part)s」は「件数=単価」の形にしてください", part=part))
        tiers.append((parse_int(units, _("料金表の件数"), 0, service.MAX_UNITS), parse_decimal(fee)))
    return tiers


def posted_month(text: str) -> tuple[int, int]:
    """A submitted YYYY-MM, refused with a message when wrong (queries fall back instead)."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(_("年月は 2026-11 の形で入力してください"))
    return int(match[1]), int(match[2])


def _month_arg() -> tuple[int, int]:
    """The month asked for; last month (the one to report) when missing or wrong."""
    return month_from_query(request.args.get("month"), today_in_tokyo().replace(day=1) - timedelta(days=1))


def _fee_rows(contract: FeeContract, year: int, month: int) -> list[dict]:
    fees = service.fees_for_month(contract, year, month)
    names = {w.id: w.name_ja for w in db.session.scalars(select(Ward))}
    return [{"ward": names.get(u.ward_id, ""), "ward_id": u.ward_id, "units": u.units, "fee": fees.get(u.ward_id),
             "reported_by": u.reported_by.name} for u in service.usages(contract.id, year, month)]


@bp.route("/office/fees", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_list():
    form = CsrfForm()
    if request.method == "POST" and form.validate_on_submit():
        f = request.form
        try:
            contract = service.create_contract(
                request_user(), parse_int(f.get("vendor_id", ""), _("事業者"), 1, 2 ** 31 - 1), f.get("title", ""),
                f.get("unit_label", ""), parse_decimal(f.get("base_fee", "") or "0"), parse_tiers(f.get("tiers", "")),
                Decimal("0.08") if f.get("reduced_rate") else Decimal("0.10"),
                starts=posted_month(f.get("starts", "")),
                ends=posted_month(f["ends"]) if f.get("ends", "").strip() else None,
                ward_ids=[parse_int(w, _("区"), 1, 2 ** 31 - 1) for w in f.getlist("ward_ids")])
            flash(_("契約を登録しました"), "success")
            return redirect(url_for("fees.office_detail", contract_id=contract.id))
        except (FeeError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
    contracts = db.session.scalars(select(FeeContract).order_by(FeeContract.id.desc())).all()
    vendors = db.session.scalars(select(Vendor).order_by(Vendor.name)).all()
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    return render_template("fees/office_list.html", contracts=contracts, vendors=vendors, wards=wards, form=form,
                           term_text=service.term_text, this_month=today_in_tokyo().strftime("%Y-%m"))


@bp.route("/office/fees/<int:contract_id>", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_detail(contract_id):
    contract = db.session.get(FeeContract, contract_id) or abort(404)
    form = CsrfForm()
    year, month = _month_arg()
    if request.method == "POST" and form.validate_on_submit():
        try:
            year, month = posted_month(request.form.get("month", ""))
            ward_id = parse_int(request.form.get("ward_id", ""), _("区"), 1, 2 ** 31 - 1)
            service.report_units(request_user(), contract.id, ward_id, year, month,
                                 parse_int(request.form.get("units", ""), _("件数"), 0, service.MAX_UNITS), today_in_tokyo())
            flash(_("件数を記録しました"), "success")
        except (FeeError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
        return redirect(url_for("fees.office_detail", contract_id=contract.id, month=f"{year}-{month:02d}"))
    return _detail_page(contract, year, month, form)


def _detail_page(contract: FeeContract, year: int, month: int, form: CsrfForm, problems: list[str] | None = None):
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    return render_template("fees/office_detail.html", contract=contract, rows=_fee_rows(contract, year, month),
                           year=year, month=month, wards=wards, form=form, problems=problems or [],
                           term=service.term_text(contract),
                           billed=service.month_is_billed(contract.id, year, month)), 422 if problems else 200


@bp.post("/office/fees/<int:contract_id>/units")
@allow(Role.OFFICE)
def office_units_upload(contract_id):
    """Several wards' and months' units from one xlsx (fees.upload): all rows or none."""
    from fees.upload import read_units

    contract = db.session.get(FeeContract, contract_id) or abort(404)
    form = CsrfForm()
    year, month = _month_arg()
    if not form.validate_on_submit():
        return redirect(url_for("fees.office_detail", contract_id=contract.id))
    upload = request.files.get("file")
    if upload is None or not upload.filename.lower().endswith(".xlsx"):
        return _detail_page(contract, year, month, form, [_("件数の xlsx ファイルを選んでください")])
    rows, problems = read_units(upload.read())
    if not problems:
        try:
            count = service.report_units_file(request_user(), contract.id, rows, today_in_tokyo())
            flash(_("%(n)s 行の件数を記録しました", n=count), "success")
            latest = max((r.year, r.month) for r in rows)
            return redirect(url_for("fees.office_detail", contract_id=contract.id,
                                    month=f"{latest[0]}-{latest[1]:02d}"))
        except service.FeeUploadError as exc:
            problems = exc.problems
    uow.rollback()
    return _detail_page(contract, year, month, form, problems)


@bp.get("/office/fees/<int:contract_id>/units-template.xlsx")
@allow(Role.OFFICE)
def office_units_template(contract_id):
    """A sheet to fill: every ward for the month shown, with the units already reported."""
    import io

    from flask import send_file

    from fees.upload import HEADERS
    from procure.exports import append_row, workbook_bytes
    from openpyxl import Workbook

    contract = db.session.get(FeeContract, contract_id) or abort(404)
    year, month = _month_arg()
    reported = {u.ward_id: u.units for u in service.usages(contract.id, year, month)}
    book = Workbook()
    sheet = book.active
    sheet.title = "件数"
    append_row(sheet, HEADERS)
    for ward in db.session.scalars(select(Ward).order_by(Ward.code)):
        append_row(sheet, [f"{year}-{month:02d}", ward.name_ja, reported.get(ward.id)])
    sheet.column_dimensions["A"].number_format = "@"
    return send_file(io.BytesIO(workbook_bytes(book)), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"units-{contract.id}-{year}{month:02d}.xlsx")


@bp.route("/ward/fees", methods=["GET", "POST"])
@allow(*WARD)
def ward_fees():
    user, form = request_user(), CsrfForm()
    year, month = _month_arg()
    if request.method == "POST" and form.validate_on_submit():
        try:
            year, month = posted_month(request.form.get("month", ""))
            contract_id = parse_int(request.form.get("contract_id", ""), _("契約"), 1, 2 ** 31 - 1)
            service.report_units(user, contract_id, user.ward_id, year, month,
                                 parse_int(request.form.get("units", ""), _("件数"), 0, service.MAX_UNITS), today_in_tokyo())
            flash(_("件数を報告しました"), "success")
        except (FeeError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
        return redirect(url_for("fees.ward_fees", month=f"{year}-{month:02d}"))
    contracts = service.contracts_for(user.ward_id, year, month)
    mine = {u.fee_contract_id: u for u in db.session.scalars(select(FeeUsage).filter_by(
        ward_id=user.ward_id, year=year, month=month))}
    fees = {c.id: service.fees_for_month(c, year, month).get(user.ward_id) for c in contracts}
    return render_template("fees/ward.html", contracts=contracts, mine=mine, fees=fees, year=year, month=month,
                           form=form)

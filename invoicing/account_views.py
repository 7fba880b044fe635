"""Pages where bank accounts are entered: a vendor's 振込先, a ward's 依頼人 details and paying
account (its accounting staff edit, the others read), the office's receiving account."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from invoicing import accounts
from invoicing.models import VendorBilling, WardBilling
from invoicing.zengin import ACCOUNT_TYPES
from procure import uow
from procure.extensions import db
from procure.forms import CsrfForm
from procure.models import Role
from procure.permissions import WARD, allow, request_user

bp = Blueprint("accounts", __name__)
FIELDS = ("bank_code", "branch_code", "account_type", "account_number")


def _values(row, extra: tuple[str, ...]) -> dict:
    return {name: getattr(row, name, "") or "" for name in FIELDS + extra} if row is not None else {}


def _page(title: str, row, extra: tuple[str, ...], save, editable: bool = True):
    form = CsrfForm()
    values, error = _values(row, extra), None
    if request.method == "POST" and editable and form.validate_on_submit():
        values = {name: request.form.get(name, "") for name in FIELDS + extra}
        try:
            checked = accounts.account(*(values[name] for name in FIELDS))
            save(checked, values)
            flash(_("口座を保存しました（%(bank)s %(branch)s）", bank=checked.bank_name_kana,
                    branch=checked.branch_name_kana), "success")
            return redirect(request.path)
        except accounts.AccountError as exc:
            uow.rollback()
            error = (exc.field, str(exc))
    return render_template("invoicing/account.html", title=title, row=row, values=values, error=error, form=form,
                           extra=extra, account_types=ACCOUNT_TYPES, editable=editable), 422 if error else 200


@bp.route("/vendor/account", methods=["GET", "POST"])
@allow(Role.VENDOR)
def vendor_account():
    user = request_user()
    row = db.session.scalar(select(VendorBilling).filter_by(vendor_id=user.vendor_id))
    return _page(_("振込先口座"), row, ("account_name_kana",),
                 lambda checked, v: accounts.set_vendor_account(user, checked, v["account_name_kana"]))


@bp.route("/ward/account", methods=["GET", "POST"])
@allow(*WARD)
def ward_account():
    user = request_user()
    row = db.session.scalar(select(WardBilling).filter_by(ward_id=user.ward_id))
    return _page(_("振込元口座（全銀 委託者）"), row, ("requester_code", "requester_name_kana"),
                 lambda checked, v: accounts.set_ward_account(user, checked, v["requester_code"],
                                                              v["requester_name_kana"]),
                 editable=user.role == Role.WARD_INSPECTOR)


@bp.route("/office/account", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_account():
    from costshares.models import OfficeAccount

    user = request_user()
    row = db.session.scalar(select(OfficeAccount).order_by(OfficeAccount.id))
    return _page(_("受取口座（運営費負担金）"), row, ("account_name_kana",),
                 lambda checked, v: accounts.set_office_account(user, checked, v["account_name_kana"]))

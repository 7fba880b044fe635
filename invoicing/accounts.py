"""Bank accounts people enter: a vendor's 振込先, a ward's 依頼人 details and paying account, the
office's receiving account. Codes are checked against the Zengin bank master and the bank and
branch names taken from it; kana names must have a Zengin spelling. Changes are audited (the
models are Audited). Flush only."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from invoicing import bank_master
from invoicing.models import VendorBilling, WardBilling
from invoicing.zengin import ACCOUNT_TYPES, ZenginError, to_halfwidth_kana
from procure.extensions import db
from procure.models import Role, User
from procure.errors import FieldError


class AccountError(FieldError):
    pass


@dataclass(frozen=True)
class Account:
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str


def _digits(text: str, width: int, label: str, field: str, pad: bool = False) -> str:
    value = unicodedata.normalize("NFKC", text or "").strip().replace("-", "")
    if pad and value.isdigit() and len(value) < width:
        value = value.zfill(width)
    if not (value.isascii() and value.isdigit() and len(value) == width):
        raise AccountError(f"{label}は数字 {width} 桁で入力してください（{text}）", field)
    return value


def account(bank_code: str, branch_code: str, account_type: str, account_number: str) -> Account:
    """A checked account, its names as the bank master spells them."""
    bank_code = _digits(bank_code, 4, "銀行番号", "bank_code")
    branch_code = _digits(branch_code, 3, "支店番号", "branch_code")
    problem = bank_master.code_problem(bank_code, branch_code)
    if problem:
        raise AccountError(problem, "branch_code" if problem.startswith("支店") else "bank_code")
    entry = bank_master.lookup(bank_code, branch_code)
    if account_type not in ACCOUNT_TYPES:
        raise AccountError("預金種目を選んでください", "account_type")
    number = _digits(account_number, 7, "口座番号", "account_number", pad=True)  # 12345 -> 0012345
    return Account(bank_code, entry.bank_kana, branch_code, entry.branch_kana, account_type, number)


def kana_name(text: str, width: int, label: str, field: str) -> str:
    try:
        name = to_halfwidth_kana(text, field)
    except ZenginError as exc:
        raise AccountError(f"{label}: {exc.reason}", field) from None
    if not name.strip():
        raise AccountError(f"{label}を入力してください", field)
    if len(name) > width:
        raise AccountError(f"{label}は全銀の半角カナで {width} 文字以内にしてください（{name}、{len(name)} 文字）", field)
    return name


def _write(row, checked: Account, name_field: str | None = None, name: str | None = None) -> None:
    row.bank_code, row.bank_name_kana = checked.bank_code, checked.bank_name_kana
    row.branch_code, row.branch_name_kana = checked.branch_code, checked.branch_name_kana
    row.account_type, row.account_number = checked.account_type, checked.account_number
    if name_field:
        setattr(row, name_field, name)


def set_vendor_account(user: User, checked: Account, holder: str) -> VendorBilling:
    """The vendor's own 振込先 (its users only)."""
    if user.role != Role.VENDOR or user.vendor_id is None:
        raise AccountError("事業者の利用者だけが振込先を変更できます", "user")
    name = kana_name(holder, 30, "口座名義（カナ）", "account_name_kana")
    row = db.session.scalar(select(VendorBilling).filter_by(vendor_id=user.vendor_id))
    if row is None:
        row = VendorBilling(vendor_id=user.vendor_id, tax_rounding="down")
        db.session.add(row)
    _write(row, checked, "account_name_kana", name)
    db.session.flush()
    return row


def set_ward_account(user: User, checked: Account, requester_code: str, requester_name: str) -> WardBilling:
    """The ward's 委託者 (依頼人) details and paying account: its accounting staff only."""
    if user.role != Role.WARD_INSPECTOR or user.ward_id is None:
        raise AccountError("区の会計担当だけが振込元口座を変更できます", "user")
    code = _digits(requester_code, 10, "委託者コード", "requester_code")
    name = kana_name(requester_name, 40, "依頼人名（カナ）", "requester_name_kana")
    row = db.session.scalar(select(WardBilling).filter_by(ward_id=user.ward_id))
    if row is None:
        row = WardBilling(ward_id=user.ward_id)
        db.session.add(row)
    row.requester_code, row.requester_name_kana = code, name
    _write(row, checked)
    db.session.flush()
    return row


def set_office_account(user: User, checked: Account, holder: str):
    """The joint procurement office's receiving account (for cost shares)."""
    from costshares.models import OfficeAccount

    if user.role != Role.OFFICE:
        raise AccountError("共同調達組織の利用者だけが受取口座を変更できます", "user")
    name = kana_name(holder, 30, "口座名義（カナ）", "account_name_kana")
    row = db.session.scalar(select(OfficeAccount).order_by(OfficeAccount.id))
    if row is None:
        row = OfficeAccount()
        db.session.add(row)
    _write(row, checked, "account_name_kana", name)
    db.session.flush()
    return row

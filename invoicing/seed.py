"""Demo billing settings: each ward's paying account (全銀 委託者) and the demo vendors' accounts.
Bank, branch and requester codes are fictitious but well-formed."""
from __future__ import annotations

from sqlalchemy import select

from invoicing.models import VendorBilling, WardBilling
from procure.extensions import db
from procure.models import Vendor, Ward

VENDOR_ACCOUNTS = {  # corporate number -> (rounding, bank, bank kana, branch, branch kana, number, name kana)
    "2011001071234": ("down", "0009", "ﾐﾂｲｽﾐﾄﾓ", "101", "ｼﾌﾞﾔ", "1234567", "ｶ)ﾌﾞﾝｸﾞﾔ"),
    "8010401098765": ("half_up", "0005", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", "201", "ｼﾝｼﾞﾕｸ", "2345678", "ﾄｳｷﾖｳﾋﾟ-ｼ-ｿﾘﾕ-ｼﾖﾝｽﾞ(ｶ"),
    "6010001134567": ("down", "0001", "ﾐｽﾞﾎ", "301", "ﾏﾙﾉｳﾁ", "3456789", "ｼﾕﾄｸﾞﾘ-ﾝﾃﾞﾝﾘﾖｸ(ｶ"),
    "7011101045678": ("up", "0310", "ｼﾞ-ｴﾑｼ-", "401", "ｵｵﾓﾘ", "4567890", "ｼﾞﾖｳﾅﾝｵﾌｲｽｻﾌﾟﾗｲ(ﾕ"),
}


def seed_billing() -> None:
    for number, (rounding, bank, bank_kana, branch, branch_kana, account, name) in VENDOR_ACCOUNTS.items():
        vendor = db.session.scalar(select(Vendor).filter_by(corporate_number=number))
        if vendor is None or db.session.scalar(select(VendorBilling.id).filter_by(vendor_id=vendor.id)):
            continue
        db.session.add(VendorBilling(vendor_id=vendor.id, tax_rounding=rounding, bank_code=bank,
                                     bank_name_kana=bank_kana, branch_code=branch, branch_name_kana=branch_kana,
                                     account_type="1", account_number=account, account_name_kana=name))
    for index, ward in enumerate(db.session.scalars(select(Ward).order_by(Ward.code)), start=1):
        if db.session.scalar(select(WardBilling.id).filter_by(ward_id=ward.id)):
            continue
        db.session.add(WardBilling(ward_id=ward.id, requester_code=f"{ward.code}{index:04d}",
                                   requester_name_kana=f"ﾄｸﾍﾞﾂｸ{index:02d}", bank_code="0009",
                                   bank_name_kana="ﾐﾂｲｽﾐﾄﾓ", branch_code=f"{600 + index:03d}",
                                   branch_name_kana="ｸﾔｸｼﾖ", account_type="1",
                                   account_number=f"{9000000 + index:07d}"))

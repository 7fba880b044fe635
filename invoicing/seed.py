"""Demo billing settings: each ward's paying account (全銀 委託者) and the demo vendors' accounts.
Banks and branches exist in the Zengin bank master (invoicing.bank_master); account numbers and
requester codes are made up."""
from __future__ import annotations

from sqlalchemy import select

from invoicing import bank_master
from invoicing.models import VendorBilling, WardBilling
from procure.extensions import db
from procure.models import Vendor, Ward

VENDOR_ACCOUNTS = {  # corporate number -> (rounding, bank, bank kana, branch, branch kana, number, name kana)
    "2011001071234": ("down", "0009", "ﾐﾂｲｽﾐﾄﾓ", "654", "ｼﾌﾞﾔ", "1234567", "ｶ)ﾌﾞﾝｸﾞﾔ"),
    "8010401098765": ("half_up", "0005", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", "341", "ｼﾝｼﾞﾕｸ", "2345678", "ﾄｳｷﾖｳﾋﾟ-ｼ-ｿﾘﾕ-ｼﾖﾝｽﾞ(ｶ"),
    "6010001134567": ("down", "0001", "ﾐｽﾞﾎ", "005", "ﾏﾙﾉｳﾁ", "3456789", "ｼﾕﾄｸﾞﾘ-ﾝﾃﾞﾝﾘﾖｸ(ｶ"),
    "7011101045678": ("up", "0310", "ｼﾞ-ｴﾑｵ-ｱｵｿﾞﾗﾈﾂﾄ", "101", "ﾎｳｼﾞﾝ", "4567890", "ｼﾞﾖｳﾅﾝｵﾌｲｽｻﾌﾟﾗｲ(ﾕ"),
}
# 依頼人名 of each ward (its name in Zengin kana)
WARD_KANA = {"131016": "ﾁﾖﾀﾞｸ", "131024": "ﾁﾕｳｵｳｸ", "131032": "ﾐﾅﾄｸ", "131041": "ｼﾝｼﾞﾕｸｸ", "131059": "ﾌﾞﾝｷﾖｳｸ",
             "131067": "ﾀｲﾄｳｸ", "131075": "ｽﾐﾀﾞｸ", "131083": "ｺｳﾄｳｸ", "131091": "ｼﾅｶﾞﾜｸ", "131105": "ﾒｸﾞﾛｸ",
             "131113": "ｵｵﾀｸ", "131121": "ｾﾀｶﾞﾔｸ", "131130": "ｼﾌﾞﾔｸ", "131148": "ﾅｶﾉｸ", "131156": "ｽｷﾞﾅﾐｸ",
             "131164": "ﾄｼﾏｸ", "131172": "ｷﾀｸ", "131181": "ｱﾗｶﾜｸ", "131199": "ｲﾀﾊﾞｼｸ", "131202": "ﾈﾘﾏｸ",
             "131211": "ｱﾀﾞﾁｸ", "131229": "ｶﾂｼｶｸ", "131237": "ｴﾄﾞｶﾞﾜｸ"}


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
        # a みずほ branch named after the ward where there is one, else its 東京営業部
        branch = bank_master.find_branch("0001", ward.name_ja.removesuffix("区")) or bank_master.lookup("0001", "001")
        db.session.add(WardBilling(ward_id=ward.id, requester_code=f"{ward.code}{index:04d}",
                                   requester_name_kana=WARD_KANA.get(ward.code, "ﾄｸﾍﾞﾂｸ"), bank_code=branch.bank_code,
                                   bank_name_kana=branch.bank_kana, branch_code=branch.branch_code,
                                   branch_name_kana=branch.branch_kana, account_type="1",
                                   account_number=f"{9000000 + index:07d}"))

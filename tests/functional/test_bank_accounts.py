"""Bank accounts entered on pages: codes checked against the Zengin bank master, names taken from
it, kana names in their Zengin spelling, errors that say which field, changes audited."""
from sqlalchemy import select

from tests.helpers import csrf_token, sign_in, unit_of_work

VENDOR = "vendor@bunguya.example.jp"


def test_a_vendor_sets_its_account_and_the_bank_master_names_it(app, client, login):
    from invoicing.models import VendorBilling
    from procure.audit import AuditLog
    from procure.extensions import db

    login(VENDOR)
    form = {"csrf_token": csrf_token(client, "/vendor/account"), "bank_code": "０００５", "branch_code": "341",
            "account_type": "1", "account_number": "12345", "account_name_kana": "株式会社ぶんぐや"}
    unknown = client.post("/vendor/account", data=form | {"branch_code": "999"})
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 422 and "支店番号 0005-999 は全銀の銀行マスタにありません" in html
    assert 'value="株式会社ぶんぐや"' in html  # nothing the user typed is lost
    kanji = client.post("/vendor/account", data=form | {"account_name_kana": "文具屋"})
    assert kanji.status_code == 422 and "全銀フォーマットで使えない文字" in kanji.get_data(as_text=True)
    saved = client.post("/vendor/account", data=form, follow_redirects=True).get_data(as_text=True)
    assert "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ" in saved and "ｼﾝｼﾞﾕｸ" in saved
    with unit_of_work(app):
        row = db.session.scalar(select(VendorBilling).join(VendorBilling.vendor).filter_by(name="株式会社文具屋"))
        assert (row.bank_code, row.branch_code, row.account_number, row.account_name_kana) == (
            "0005", "341", "0012345", "ｶ)ﾌﾞﾝｸﾞﾔ")
        assert db.session.scalar(select(AuditLog.id).filter_by(entity="vendor_billing", entity_id=str(row.id)))


def test_the_wards_accounting_staff_set_its_requester_details_and_others_only_read(app, client):
    from invoicing.models import WardBilling
    from procure.extensions import db

    staff = app.test_client()
    sign_in(staff, "staff@shibuya.example.jp")
    page = staff.get("/ward/account").get_data(as_text=True)
    assert "<form method=\"post\" class=\"stacked\">" not in page
    staff.post("/ward/account", data={"csrf_token": csrf_token(staff, "/ward/account"), "bank_code": "0001",
                                      "branch_code": "001", "account_type": "1", "account_number": "1",
                                      "requester_code": "1234567890", "requester_name_kana": "ｼﾌﾞﾔ"})
    sign_in(client, "inspector@shibuya.example.jp")
    bad = client.post("/ward/account", data={"csrf_token": csrf_token(client, "/ward/account"), "bank_code": "0001",
                                             "branch_code": "162", "account_type": "1", "account_number": "7654321",
                                             "requester_code": "12345", "requester_name_kana": "しぶやく"})
    assert bad.status_code == 422 and "委託者コードは数字 10 桁" in bad.get_data(as_text=True)
    client.post("/ward/account", data={"csrf_token": csrf_token(client, "/ward/account"), "bank_code": "0001",
                                       "branch_code": "162", "account_type": "1", "account_number": "7654321",
                                       "requester_code": "1311300001", "requester_name_kana": "しぶやく"})
    with unit_of_work(app):
        row = db.session.scalar(select(WardBilling).join(WardBilling.ward).filter_by(code="131130"))
        assert (row.requester_code, row.requester_name_kana, row.branch_name_kana) == ("1311300001", "ｼﾌﾞﾔｸ",
                                                                                     "ｼﾌﾞﾔﾁﾕｳｵｳ")


def test_the_office_sets_its_receiving_account(app, client, login):
    from costshares.models import OfficeAccount
    from procure.extensions import db

    login("office@example.jp")
    client.post("/office/account", data={"csrf_token": csrf_token(client, "/office/account"), "bank_code": "0009",
                                         "branch_code": "654", "account_type": "2", "account_number": "1111111",
                                         "account_name_kana": "トクベツク キョウドウチョウタツ"})
    with unit_of_work(app):
        row = db.session.scalar(select(OfficeAccount))
        assert (row.bank_name_kana, row.branch_name_kana, row.account_type, row.account_name_kana) == (
            "ﾐﾂｲｽﾐﾄﾓ", "ｼﾌﾞﾔ", "2", "ﾄｸﾍﾞﾂｸ ｷﾖｳﾄﾞｳﾁﾖｳﾀﾂ")

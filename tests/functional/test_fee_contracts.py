"""Seed 000's pooled-volume fee: a month at 1,100 yen + 11 yen x 300 households = 4,400 yen when all
participants together reach the 20,010-household tier; billed once per ward and month."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.catalog_data import user
from tests.helpers import unit_of_work

TIERS = [(0, Decimal(13)), (10000, Decimal(12)), (20000, Decimal(11))]


def last_month():
    from procure.formatting import today_in_tokyo

    return today_in_tokyo().replace(day=1) - timedelta(days=1)


def fee_contract(app):
    from fees import service as fees
    from procure.extensions import db
    from procure.models import Vendor

    vendor_id = db.session.scalar(select(Vendor.id).filter_by(name="株式会社文具屋"))
    return fees.create_contract(user("office@example.jp"), vendor_id, "電子回覧板サービス", "世帯", Decimal(1100), TIERS)


def ward_id(code):
    from procure.extensions import db
    from procure.models import Ward

    return db.session.scalar(select(Ward.id).filter_by(code=code))


def test_a_month_bills_base_plus_units_at_the_pooled_tier(app):
    from fees import service as fees
    from invoicing import service as invoicing
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from procure.models import Vendor, Ward

    month = last_month()
    with unit_of_work(app):
        contract = fee_contract(app)
        shibuya, setagaya = ward_id("131130"), ward_id("131121")
        fees.report_units(user("staff@shibuya.example.jp"), contract.id, shibuya, month.year, month.month, 300,
                          today_in_tokyo())
        fees.report_units(user("office@example.jp"), contract.id, setagaya, month.year, month.month, 19710,
                          today_in_tokyo())
        fee = fees.fees_for_month(contract, month.year, month.month)[shibuya]
        assert (fee.pooled_units, fee.unit_fee, fee.total) == (20010, Decimal(11), Decimal(4400))
        vendor = db.session.get(Vendor, contract.vendor_id)
        (invoice,) = invoicing.generate_invoice(vendor, db.session.get(Ward, shibuya), month.year, month.month,
                                                user("vendor@bunguya.example.jp"), today_in_tokyo())
        fee_lines = [l for l in invoice.lines if l.fee_usage_id is not None]
        assert [(l.charge_kind, l.quantity, l.unit_price, l.amount) for l in fee_lines] == [
            ("base", 1, 1100, 1100), ("usage", 300, 11, 3300)]
        assert "全区合計 20,010世帯の段階" in fee_lines[1].description
        assert all(l.matched for l in fee_lines)
        # billed once: the month is not billed again, and its units can no longer change
        assert invoicing.generate_invoice(vendor, db.session.get(Ward, shibuya), month.year, month.month,
                                          user("vendor@bunguya.example.jp"), today_in_tokyo()) == []
        with pytest.raises(fees.FeeError, match="すでに請求"):
            fees.report_units(user("office@example.jp"), contract.id, setagaya, month.year, month.month, 5,
                              today_in_tokyo())


def test_units_are_reported_by_the_ward_itself_and_within_range(app):
    from fees import service as fees
    from procure.formatting import today_in_tokyo

    month = last_month()
    with unit_of_work(app):
        contract = fee_contract(app)
        with pytest.raises(fees.FeeError, match="自区"):
            fees.report_units(user("staff@shibuya.example.jp"), contract.id, ward_id("131121"), month.year,
                              month.month, 10, today_in_tokyo())
        with pytest.raises(fees.FeeError, match="自区"):
            fees.report_units(user("vendor@bunguya.example.jp"), contract.id, ward_id("131130"), month.year,
                              month.month, 10, today_in_tokyo())
        with pytest.raises(fees.FeeError, match="件数"):
            fees.report_units(user("staff@shibuya.example.jp"), contract.id, ward_id("131130"), month.year,
                              month.month, -1, today_in_tokyo())
        next_month = today_in_tokyo().replace(day=28) + timedelta(days=5)
        with pytest.raises(fees.FeeError, match="今月以前"):
            fees.report_units(user("staff@shibuya.example.jp"), contract.id, ward_id("131130"), next_month.year,
                              next_month.month, 10, today_in_tokyo())


def test_a_fee_schedule_must_start_at_zero_and_not_rise_with_volume():
    from fees.pricing import tier_problems

    assert tier_problems(TIERS) == []
    assert tier_problems([(5, Decimal(13))]) and tier_problems([(0, Decimal(11)), (100, Decimal(12))])


def test_the_ward_reports_on_its_page_and_reads_why_it_pays_what_it_pays(app, client, login):
    from tests.helpers import csrf_token, sign_in

    month = last_month()
    with unit_of_work(app):
        contract_id = fee_contract(app).id
    login("office@example.jp")
    page = f"/office/fees/{contract_id}?month={month.year}-{month.month:02d}"
    client.post(f"/office/fees/{contract_id}", data={"csrf_token": csrf_token(client, page), "ward_id": "%d" % 0,
                                                     "month": f"{month.year}-{month.month:02d}", "units": "5"})
    with unit_of_work(app):
        setagaya = ward_id("131121")
    client.post(f"/office/fees/{contract_id}", data={"csrf_token": csrf_token(client, page), "ward_id": str(setagaya),
                                                     "month": f"{month.year}-{month.month:02d}", "units": "１９，７１０"})
    client = app.test_client()
    sign_in(client, "staff@shibuya.example.jp")
    ward_page = f"/ward/fees?month={month.year}-{month.month:02d}"
    done = client.post("/ward/fees", data={"csrf_token": csrf_token(client, ward_page), "contract_id": str(contract_id),
                                           "month": f"{month.year}-{month.month:02d}", "units": "３００"},
                       follow_redirects=True).get_data(as_text=True)
    assert "¥1,100 + ¥11 × 300世帯 = ¥4,400" in done and "全区合計 20,010世帯" in done
    refused = client.post("/ward/fees", data={"csrf_token": csrf_token(client, ward_page),
                                              "contract_id": str(contract_id), "month": "2026-13", "units": "1"},
                          follow_redirects=True).get_data(as_text=True)
    assert "2026-11 の形" in refused


def test_wards_report_units_and_read_their_fee_over_the_api(app, client):
    from tests.helpers import api_token

    month = last_month()
    with unit_of_work(app):
        contract_id = fee_contract(app).id
    ward = {"Authorization": f"Bearer {api_token(client, 'staff@shibuya.example.jp')}"}
    office = {"Authorization": f"Bearer {api_token(client, 'office@example.jp')}"}
    url = f"/api/v1/fee-contracts/{contract_id}"
    mine = client.post(f"{url}/usage", json={"year": month.year, "month": month.month, "units": 300}, headers=ward)
    assert mine.status_code == 201 and mine.get_json()["ward_code"] == "131130"
    assert client.post(f"{url}/usage", json={"year": month.year, "month": month.month, "units": 19710},
                       headers=office).status_code == 422  # the office names the ward
    assert client.post(f"{url}/usage", json={"year": month.year, "month": month.month, "units": 19710,
                                             "ward_code": "131121"}, headers=office).status_code == 201
    fees = client.get(f"{url}/fees?year={month.year}&month={month.month}", headers=ward).get_json()["fees"]
    assert fees == [{"ward_code": "131130", "units": 300, "pooled_units": 20010, "unit_fee": "11",
                     "base_fee": "1100", "usage_amount": "3300", "total": "4400"}]


def test_the_ward_home_lists_unreported_fee_units_and_unpaid_cost_shares(app, client):
    from tests.helpers import sign_in

    month = last_month()
    with unit_of_work(app):
        fee_contract(app)
    staff = app.test_client()
    sign_in(staff, "staff@shibuya.example.jp")
    home = staff.get("/ward/").get_data(as_text=True)
    assert f"{month.year}年{month.month}月の件数が未報告の従量料金: 1" in home  # the demo contract is reported
    payer = app.test_client()
    sign_in(payer, "inspector@shibuya.example.jp")
    assert "支払っていない運営費負担金: 1" in payer.get("/ward/").get_data(as_text=True)  # last year's demo bill


def test_the_office_records_a_months_units_from_an_xlsx_all_rows_or_none(app, client, login):
    import io

    from openpyxl import Workbook, load_workbook

    from fees.models import FeeUsage
    from procure.extensions import db
    from tests.helpers import csrf_token

    month = last_month()
    ym = f"{month.year}-{month.month:02d}"
    with unit_of_work(app):
        contract_id = fee_contract(app).id
    login("office@example.jp")
    page = f"/office/fees/{contract_id}?month={ym}"
    template = load_workbook(io.BytesIO(client.get(f"/office/fees/{contract_id}/units-template.xlsx?month={ym}").data))
    rows = list(template.active.iter_rows(values_only=True))
    assert rows[0] == ("年月", "区", "件数") and len(rows) == 24 and rows[1][0] == ym

    def upload(table):
        book = Workbook()
        for row in [("年月", "区", "件数")] + table:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return client.post(f"/office/fees/{contract_id}/units?month={ym}", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(client, page), "file": (io.BytesIO(buffer.getvalue()), "u.xlsx")})

    bad = upload([(ym, "渋谷区", "３００"), (ym, "横浜市", 5), ("2026-13", "131121", 1), (ym, "131121", "=1+1"),
                  (ym, "渋谷区", 1)])
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for problem in ("4行目「年月」: 年月は 2026-11 の形で入力してください", "5行目「件数」: 数式は使えません",
                    "6行目: " + f"{month.year}年{month.month}月の渋谷区は 2行目にもあります"):
        assert problem in html
    with unit_of_work(app):
        assert db.session.scalar(select(FeeUsage.id).filter_by(fee_contract_id=contract_id)) is None
    unknown = upload([(ym, "横浜市", 5)]).get_data(as_text=True)
    assert "2行目「区」: 「横浜市」は区コードでも区名でもありません" in unknown
    done = upload([(ym, "渋谷区", "３００"), (ym, "131121", 19710)])
    assert done.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "20,010" in html and "¥4,400" in html  # seed 000's month, from the file
    with unit_of_work(app):
        assert db.session.scalar(select(FeeUsage.units).filter_by(fee_contract_id=contract_id,
                                                                  ward_id=ward_id("131130"))) == 300


def test_units_are_reported_only_within_the_term_and_by_wards_taking_part(app, client, login):
    from fees import service as fees
    from fees.pricing import FeeError
    from procure.extensions import db
    from procure.models import Vendor
    from tests.helpers import csrf_token, sign_in

    month = last_month()
    with unit_of_work(app):
        office = user("office@example.jp")
        vendor_id = db.session.scalar(select(Vendor.id).filter_by(name="株式会社文具屋"))
        with pytest.raises(FeeError, match="終了月は開始月以後"):
            fees.create_contract(office, vendor_id, "窓口予約", "件", Decimal(0), TIERS, starts=(2027, 4),
                                 ends=(2027, 3))
        contract = fees.create_contract(office, vendor_id, "窓口予約", "件", Decimal(0), TIERS,
                                        starts=(month.year, month.month), ends=(month.year, month.month),
                                        ward_ids=[ward_id("131130")])
        contract_id = contract.id
        fees.report_units(office, contract_id, ward_id("131130"), month.year, month.month, 10, month)
        with pytest.raises(FeeError, match="世田谷区はこの契約に参加していません"):
            fees.report_units(office, contract_id, ward_id("131121"), month.year, month.month, 10, month)
        earlier = month.replace(day=1) - timedelta(days=1)
        with pytest.raises(FeeError, match=f"{earlier.year}年{earlier.month}月は契約期間（.*）の外です"):
            fees.report_units(office, contract_id, ward_id("131130"), earlier.year, earlier.month, 10, month)
        db.session.commit()
    setagaya = app.test_client()
    sign_in(setagaya, "staff@setagaya.example.jp")
    assert "窓口予約" not in setagaya.get(f"/ward/fees?month={month.year}-{month.month:02d}").get_data(as_text=True)
    with unit_of_work(app):
        participants = [str(ward_id("131130")), str(ward_id("131016"))]
    login("office@example.jp")
    created = client.post("/office/fees", data={
        "csrf_token": csrf_token(client, "/office/fees"), "vendor_id": str(vendor_id), "title": "施設予約",
        "unit_label": "件", "base_fee": "0", "tiers": "0=10", "starts": "２０２６-０４", "ends": "",
        "ward_ids": participants}, follow_redirects=True).get_data(as_text=True)
    assert "2026年4月〜" in created and "千代田区、渋谷区" in created

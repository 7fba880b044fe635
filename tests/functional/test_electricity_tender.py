"""An electricity tender: wards upload facilities (xlsx), each ward's environmental threshold is
applied at opening, evaluated prices are checked against a plain computation."""
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from tests.catalog_data import user
from tests.functional.test_tender_flow import ward_user
from tests.helpers import csrf_token, sign_in, open_witnessed, unit_of_work

T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
OPENS, CLOSES, OPENING = T0 + timedelta(days=10), T0 + timedelta(days=17), T0 + timedelta(days=18)


def facilities_xlsx(rows):
    from tenders.facility_upload import HEADERS

    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_facility_upload_reports_every_bad_row(app):
    from tenders.facility_upload import read_facilities

    facilities, errors = read_facilities(facilities_xlsx([
        ("本庁舎", "高圧", "８５０", 100) + (1000,) * 12,
        ("本庁舎", "中圧", 10, 120) + (1000,) * 11 + ("x",),
        ("", "低圧", -1, 90) + (1,) * 12,
        ("=HYPERLINK(\"http://x\")", "高圧", "1E+400", 90) + (1,) * 11 + ("1" * 40,),
        ("庁舎_x001B_", "高圧", 1, 90) + (1,) * 12]))
    assert facilities == []
    for expected in ("3行目「施設名」: 2行目と重複", "3行目「電圧区分」", "3行目「力率（%）」", "3行目「3月（kWh）」",
                     "4行目「施設名」", "4行目「契約電力（kW）」", "5行目「施設名」: 数式は使えません",
                     "5行目「契約電力（kW）」: 0 以上", "5行目「3月（kWh）」: 0 以上", "6行目「施設名」: 制御文字"):
        assert any(expected in e for e in errors), expected


def test_electricity_tender_thresholds_per_ward_and_prices(app):
    from procure.extensions import db
    from tenders import service
    from tenders.facility_upload import read_facilities
    from tenders.models import Bid

    with unit_of_work(app):
        office = user("office@example.jp")
        tender = service.create_tender(office, "electricity", "区施設の電力", OPENS, CLOSES, OPENING, None)
        service.move(office, tender.id, "open_demand", T0)
        shibuya, setagaya = ward_user(app, "131130", "e-131130@example.jp"), ward_user(app, "131121", "e-131121@example.jp")
        plan = {shibuya: [("本庁舎", "高圧", 850, 100) + (180000,) * 12, ("出張所", "低圧", 40, 90) + (5000,) * 12],
                setagaya: [("本庁舎", "高圧", 900, 95) + (200000,) * 12]}
        for staff, threshold in ((shibuya, Decimal(60)), (setagaya, Decimal(80))):
            service.join(staff, tender.id, T0)
            facilities, errors = read_facilities(facilities_xlsx(plan[staff]))
            assert errors == []
            service.enter_facility_demand(staff, tender.id, facilities, T0, threshold)
        for action in ("publish", "open_bidding"):
            service.move(office, tender.id, action, OPENS)
        green = {"co2": "0.25", "renewable": "35", "unused": "0"}     # 50 + 30 + 0 = 80 points
        grey = {"co2": "0.40", "renewable": "12", "unused": "0"}      # 30 + 15 + 0 = 45 points
        rates = {"低圧": {"base": "1100", "energy": "25.5"}, "高圧": {"base": "1650", "energy": "17.8"}}
        service.submit_bid(user("vendor@denki.example.jp"), tender.id, {"rates": rates, "environment": green}, OPENS)
        service.submit_bid(user("vendor@pc.example.jp"), tender.id,
                           {"rates": {"低圧": {"base": "1000", "energy": "20"}, "高圧": {"base": "1500", "energy": "15"}},
                            "environment": grey}, OPENS)
        open_witnessed(office, tender.id, OPENING)
        bids = {b.vendor.name: b.evaluation() for b in db.session.scalars(select(Bid).filter_by(tender_id=tender.id))}
        denki, cheap = bids["首都グリーン電力株式会社"], bids["東京ピーシーソリューションズ株式会社"]
        expected = (12 * (Decimal(1650) * 850 * (185 - 100) / 100 + Decimal("17.8") * 180000)
                    + 12 * (Decimal(1100) * 40 * (185 - 90) / 100 + Decimal("25.5") * 5000)
                    + 12 * (Decimal(1650) * 900 * (185 - 95) / 100 + Decimal("17.8") * 200000))
        assert denki.evaluated_price == expected and denki.valid
        # The cheaper supplier fails both wards' environmental thresholds: invalid, reasons kept per ward.
        assert cheap.valid is False
        assert any("渋谷区" in r and "60" in r for r in cheap.invalid_reasons)
        assert any("世田谷区" in r and "80" in r for r in cheap.invalid_reasons)
        (award,) = service.award(office, tender.id, OPENING)
        assert award.vendor_id == denki.bid.vendor_id and award.price == expected


def test_ward_uploads_facilities_on_the_page(app):
    from tenders import service

    with unit_of_work(app):
        office = user("office@example.jp")
        now = datetime.now(timezone.utc)
        tender = service.create_tender(office, "electricity", "電力", now + timedelta(days=1), now + timedelta(days=2),
                                       now + timedelta(days=3), None)
        service.move(office, tender.id, "open_demand", now)
        tender_id = tender.id
    client = app.test_client()
    sign_in(client, "staff@shibuya.example.jp")
    page = f"/ward/tenders/{tender_id}"
    client.post(page, data={"csrf_token": csrf_token(client, page), "action": "join"})
    bad = client.post(page, data={"csrf_token": csrf_token(client, page), "action": "facilities", "threshold": "70",
                                  "file": (io.BytesIO(facilities_xlsx([("本庁舎", "高圧", "abc", 100) + (1,) * 12])),
                                           "f.xlsx")}, content_type="multipart/form-data")
    assert "2行目「契約電力（kW）」" in bad.get_data(as_text=True)
    good = client.post(page, data={"csrf_token": csrf_token(client, page), "action": "facilities", "threshold": "７０",
                                   "file": (io.BytesIO(facilities_xlsx([("本庁舎", "高圧", 850, 100) + (180000,) * 12])),
                                            "f.xlsx")}, content_type="multipart/form-data", follow_redirects=True)
    text = good.get_data(as_text=True)
    assert "1 施設を登録しました" in text and "2,160,000" in text


def test_electricity_contracts_readings_and_monthly_bill(app):
    from procure.extensions import db
    from tenders import service
    from tenders.facility_upload import read_facilities
    from tenders.models import Contract
    from tests.helpers import api_token

    with unit_of_work(app):
        office = user("office@example.jp")
        tender = service.create_tender(office, "electricity", "電力", OPENS, CLOSES, OPENING, None)
        service.move(office, tender.id, "open_demand", T0)
        shibuya = ward_user(app, "131130", "e-131130@example.jp")
        service.join(shibuya, tender.id, T0)
        facilities, _ = read_facilities(facilities_xlsx([("本庁舎", "高圧", 850, 100) + (180000,) * 12]))
        service.enter_facility_demand(shibuya, tender.id, facilities, T0)
        for action in ("publish", "open_bidding"):
            service.move(office, tender.id, action, OPENS)
        service.submit_bid(user("vendor@denki.example.jp"), tender.id,
                           {"rates": {"高圧": {"base": "1650", "energy": "17.8"}},
                            "environment": {"co2": "0.25", "renewable": "35", "unused": "0"}}, OPENS)
        open_witnessed(office, tender.id, OPENING)
        (award,) = service.award(office, tender.id, OPENING)
        (contract,) = service.make_contracts(office, tender.id, OPENING)
        assert contract.amount == award.price
        contract_id = db.session.scalar(select(Contract.id))
    client = app.test_client()
    vendor = {"Authorization": f"Bearer {api_token(client, 'vendor@denki.example.jp')}"}
    reading = {"facility": "本庁舎", "year": 2027, "month": 4, "kwh": "150000", "peak_kw": "700",
               "fuel_adjustment_rate": "-1.23", "renewable_rate": "3.49"}
    assert client.post(f"/api/v1/tender-contracts/{contract_id}/readings", json={"readings": [reading]},
                       headers=vendor).status_code == 201
    bad = client.post(f"/api/v1/tender-contracts/{contract_id}/readings",
                      json={"readings": [reading | {"facility": "別館"}]}, headers=vendor)
    assert bad.status_code == 422 and "別館" in bad.get_json()["error"]["message"]
    ward = {"Authorization": f"Bearer {api_token(client, 'staff@shibuya.example.jp')}"}
    bill = client.get(f"/api/v1/tender-contracts/{contract_id}/bill?year=2027&month=4", headers=ward).get_json()
    amounts = {line["kind"]: line["amount"] for line in bill["lines"]}
    assert amounts == {"base": "1192125",                # 1,650 x 850 x 85/100 = 1,192,125
                       "energy": "2670000",              # 17.8 x 150,000
                       "fuel_adjustment": "-184500",     # -1.23 x 150,000 (pass-through)
                       "renewable": "523500"}            # 3.49 x 150,000 (pass-through)
    other = {"Authorization": f"Bearer {api_token(client, 'vendor@pc.example.jp')}"}
    assert client.get(f"/api/v1/tender-contracts/{contract_id}/bill?year=2027&month=4",
                      headers=other).status_code == 404
    setagaya = {"Authorization": f"Bearer {api_token(client, 'staff@setagaya.example.jp')}"}
    assert client.get(f"/api/v1/tender-contracts/{contract_id}/bill?year=2027&month=4",
                      headers=setagaya).status_code == 404


def test_electricity_readings_are_invoiced_with_pass_through_lines(app):
    from invoicing import service as invoicing
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from procure.models import Ward
    from tenders import service
    from tenders.facility_upload import read_facilities

    last = today_in_tokyo().replace(day=1) - timedelta(days=1)
    with unit_of_work(app):
        office = user("office@example.jp")
        tender = service.create_tender(office, "electricity", "電力", OPENS, CLOSES, OPENING, None)
        service.move(office, tender.id, "open_demand", T0)
        shibuya = ward_user(app, "131130", "e-131130@example.jp")
        service.join(shibuya, tender.id, T0)
        facilities, _ = read_facilities(facilities_xlsx([("本庁舎", "高圧", 850, 100) + (180000,) * 12,
                                                         ("出張所", "低圧", 40, 90) + (5000,) * 12]))
        service.enter_facility_demand(shibuya, tender.id, facilities, T0)
        for action in ("publish", "open_bidding"):
            service.move(office, tender.id, action, OPENS)
        denki = user("vendor@denki.example.jp")
        service.submit_bid(denki, tender.id, {"rates": {"高圧": {"base": "1650", "energy": "17.8"},
                                                        "低圧": {"base": "1100", "energy": "25.5"}},
                                              "environment": {"co2": "0.25", "renewable": "35", "unused": "0"}}, OPENS)
        open_witnessed(office, tender.id, OPENING)
        service.award(office, tender.id, OPENING)
        (contract,) = service.make_contracts(office, tender.id, OPENING)
        service.record_readings(denki, contract.id, [
            {"facility": "本庁舎", "year": last.year, "month": last.month, "kwh": "150000", "peak_kw": "700",
             "fuel_adjustment_rate": "-1.23", "renewable_rate": "3.49"},
            {"facility": "出張所", "year": last.year, "month": last.month, "kwh": "4000", "peak_kw": "30",
             "fuel_adjustment_rate": "-1.23", "renewable_rate": "3.49"}])
        ward = db.session.scalar(select(Ward).filter_by(code="131130"))
        (invoice,) = invoicing.generate_invoice(denki.vendor, ward, last.year, last.month, denki, today_in_tokyo())
        kinds = [(line.charge_kind, line.amount) for line in invoice.lines]
        assert kinds == [("base", Decimal(41800)), ("energy", Decimal(102000)), ("fuel_adjustment", Decimal(-4920)),
                         ("renewable", Decimal(13960)),             # 出張所: 1,100 x 40 x 95/100 = 41,800 ...
                         ("base", Decimal(1192125)), ("energy", Decimal(2670000)),
                         ("fuel_adjustment", Decimal(-184500)), ("renewable", Decimal(523500))]
        assert invoice.status == "payable" and all(line.matched for line in invoice.lines)
        net = sum(amount for _, amount in kinds)
        assert invoice.total == net + (net * Decimal("0.10")).quantize(Decimal(1), rounding="ROUND_DOWN")
        assert invoicing.generate_invoice(denki.vendor, ward, last.year, last.month, denki, today_in_tokyo()) == []


def test_supplier_uploads_readings_as_xlsx(app):
    from procure.extensions import db
    from tenders import service
    from tenders.facility_upload import read_facilities
    from tenders.models import ElectricityReading
    from tenders.readings_upload import HEADERS

    with unit_of_work(app):
        office = user("office@example.jp")
        tender = service.create_tender(office, "electricity", "電力", OPENS, CLOSES, OPENING, None)
        service.move(office, tender.id, "open_demand", T0)
        shibuya = ward_user(app, "131130", "e-131130@example.jp")
        service.join(shibuya, tender.id, T0)
        facilities, _ = read_facilities(facilities_xlsx([("本庁舎", "高圧", 850, 100) + (180000,) * 12]))
        service.enter_facility_demand(shibuya, tender.id, facilities, T0)
        for action in ("publish", "open_bidding"):
            service.move(office, tender.id, action, OPENS)
        service.submit_bid(user("vendor@denki.example.jp"), tender.id,
                           {"rates": {"高圧": {"base": "1650", "energy": "17.8"}},
                            "environment": {"co2": "0.25", "renewable": "35", "unused": "0"}}, OPENS)
        open_witnessed(office, tender.id, OPENING)
        service.award(office, tender.id, OPENING)
        (contract,) = service.make_contracts(office, tender.id, OPENING)
        contract_id, tender_id = contract.id, tender.id

    def sheet(rows):
        book = Workbook()
        book.active.append(HEADERS)
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    client = app.test_client()
    sign_in(client, "vendor@denki.example.jp")
    page = f"/vendor/contracts/{contract_id}"
    bad = client.post(page, data={"csrf_token": csrf_token(client, page), "action": "readings",
                                  "file": (io.BytesIO(sheet([("本庁舎", 2027, 13, "abc", 700, "-1.2", "3.49")])), "r.xlsx")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert "2行目「月」" in bad and "2行目「使用量（kWh）」" in bad
    good = client.post(page, data={"csrf_token": csrf_token(client, page), "action": "readings",
                                   "file": (io.BytesIO(sheet([("本庁舎", 2027, 4, "１５００００", 700, "-1.23", "3.49")])),
                                            "r.xlsx")}, content_type="multipart/form-data", follow_redirects=True)
    shown = good.get_data(as_text=True)
    assert "1 件の検針値を登録しました" in shown and "納品を登録" not in shown
    # 1,650 x 850 x 85/100 + 17.8 x 150,000 - 1.23 x 150,000 + 3.49 x 150,000, each line in whole yen
    assert "2027-04" in shown and "¥4,201,125" in shown
    office = app.test_client()
    sign_in(office, "office@example.jp")
    demand = office.get(f"/office/tenders/{tender_id}").get_data(as_text=True)
    assert "需要（区・電圧区分別）" in demand and "2,160,000" in demand  # 180,000 kWh x 12 at 本庁舎
    with unit_of_work(app):
        reading = db.session.scalar(select(ElectricityReading))
        assert (reading.kwh, reading.fuel_adjustment_rate) == (Decimal(150000), Decimal("-1.23"))


def test_savings_against_the_rates_before_the_tender_fixed_before_opening(app, client, login):
    from procure.extensions import db
    from savings.models import CURRENT_RATES, SavingsEntry
    from tenders import service
    from tenders.facility_upload import read_facilities
    from tenders.models import Contract, Tender

    with unit_of_work(app):
        office = user("office@example.jp")
        tender = service.create_tender(office, "electricity", "電力（参照単価）", OPENS, CLOSES, OPENING, None)
        tender_id = tender.id
        service.move(office, tender.id, "open_demand", T0)
        for code, rows in {"131130": [("本庁舎", "高圧", 850, 100) + (180000,) * 12],
                           "131016": [("区民会館", "高圧", 100, 100) + (10000,) * 12,
                                      ("公園", "低圧", 10, 100) + (500,) * 12]}.items():
            staff = ward_user(app, code, f"ref-{code}@example.jp")
            service.join(staff, tender.id, T0)
            facilities, _ = read_facilities(facilities_xlsx(rows))
            service.enter_facility_demand(staff, tender.id, facilities, T0)
        db.session.commit()
    login("office@example.jp")
    url = f"/office/tenders/{tender_id}/reference-rates"
    page = client.get(f"/office/tenders/{tender_id}").get_data(as_text=True)
    assert "現行単価（削減額の参照）" in page
    form = {"csrf_token": csrf_token(client, f"/office/tenders/{tender_id}"), "base_高圧": "１７００",
            "energy_高圧": "19.5", "source": "現行契約（令和7年度）"}
    bad = client.post(url, data=form | {"energy_高圧": ""}, follow_redirects=True).get_data(as_text=True)
    assert "高圧: 基本料金単価と電力量料金単価の両方を入力してください" in bad
    client.post(url, data=form, follow_redirects=True)
    with unit_of_work(app):
        office = user("office@example.jp")
        assert db.session.get(Tender, tender_id).reference_rates == {
            "rates": {"高圧": ["1700", "19.5"]}, "source": "現行契約（令和7年度）"}
        for action in ("publish", "open_bidding"):
            service.move(office, tender_id, action, OPENS)
        service.submit_bid(user("vendor@denki.example.jp"), tender_id,
                           {"rates": {"高圧": {"base": "1650", "energy": "17.8"}, "低圧": {"base": "300", "energy": "25"}},
                            "environment": {"co2": "0.25", "renewable": "35", "unused": "0"}}, OPENS)
        open_witnessed(office, tender_id, OPENING)
        with pytest.raises(service.TenderError, match="開札の前にだけ"):
            service.set_reference_rates(office, tender_id, {}, "")
        service.award(office, tender_id, OPENING)
        made = service.make_contracts(office, tender_id, OPENING)
        assert len(made) == 2
        entries = db.session.scalars(select(SavingsEntry).filter_by(source="tender_contract").where(
            SavingsEntry.source_id.in_([c.id for c in made]))).all()
        # Shibuya only: Chiyoda has a 低圧 facility with no reference rate, so no flattering half-figure
        (entry,) = entries
        shibuya = db.session.get(Contract, entry.source_id)
        assert entry.reference_kind == CURRENT_RATES and entry.category == "電力"
        # 1,700 x 850 x 0.85 x 12 + 19.5 x 180,000 x 12 = 14,739,000 + 42,120,000
        assert entry.reference_amount == 56_859_000 and entry.paid_amount == shibuya.amount
        assert entry.saving == 56_859_000 - shibuya.amount > 0

"""Electricity: each ward edits its own 環境配慮 scoring table on its tender page while demand
collection is open; bids are checked at the opening against each ward's own table; bidders
see every ward's table; nobody else can change it."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.catalog_data import user
from tests.functional.test_electricity_tender import facilities_xlsx
from tests.functional.test_tender_flow import ward_user
from tests.helpers import csrf_token, sign_in, open_witnessed, unit_of_work

# Shibuya weighs renewables: CO2 <= 0.6 20 points; renewables >= 50% 60, >= 20% 30; unused >= 1% 10.
SHIBUYA_FORM = {"env-co2-1-bound": "０．６", "env-co2-1-points": "２０",
                "env-renewable-1-bound": "５０％", "env-renewable-1-points": "６０",
                "env-renewable-2-bound": "２０", "env-renewable-2-points": "３０",
                "env-unused-1-bound": "1", "env-unused-1-points": "10", "env-threshold": "７０"}
SHIBUYA_TABLE = [{"name": "co2", "higher_is_better": False, "bands": [["0.6", "20"]]},
                 {"name": "renewable", "higher_is_better": True, "bands": [["50", "60"], ["20", "30"]]},
                 {"name": "unused", "higher_is_better": True, "bands": [["1", "10"]]}]


def client_for(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def post(client, page, data):
    return client.post(page, data={"csrf_token": csrf_token(client, page), "action": "environment", **data})


def environments(app, tender_id):
    from procure.extensions import db
    from tenders.models import TenderWard

    with unit_of_work(app):
        return {row.ward.name_ja: (row.environmental_threshold, row.environmental_table)
                for row in db.session.scalars(select(TenderWard).filter_by(tender_id=tender_id))}


def outcome(bid):
    """(valid, reasons) of a bid for the whole tender at the opening."""
    result = bid.evaluation() if callable(getattr(bid, "evaluation", None)) else bid
    return result.valid, result.invalid_reasons or []


def electricity_tender(app):
    from tenders import service
    from tenders.facility_upload import read_facilities

    with unit_of_work(app):
        office = user("office@example.jp")
        now = datetime.now(timezone.utc)
        tender = service.create_tender(office, "electricity", "区施設の電力（環境配慮）", now + timedelta(days=1),
                                       now + timedelta(days=2), now + timedelta(days=3), None)
        service.move(office, tender.id, "open_demand", now)
        for email in ("staff@shibuya.example.jp", "staff@setagaya.example.jp"):
            staff = user(email)
            service.join(staff, tender.id, now)
            facilities, errors = read_facilities(facilities_xlsx([("本庁舎", "高圧", 850, 100) + (180000,) * 12]))
            assert errors == []
            service.enter_facility_demand(staff, tender.id, facilities, now)
        return tender.id


def test_each_ward_sets_its_own_table_and_bids_are_checked_per_ward(app):
    from procure.extensions import db
    from tenders import service
    from tenders.models import Bid, Tender

    tender_id = electricity_tender(app)
    page = f"/ward/tenders/{tender_id}"
    shibuya = client_for(app, "staff@shibuya.example.jp")
    shown = shibuya.get(page).get_data(as_text=True)
    assert 'id="env-co2-1-bound" name="env-co2-1-bound" value="0.300"' in shown       # the default table
    assert 'name="env-threshold" value="70"' in shown

    # Every problem is named (criterion, band, why), marked on its field, and nothing is saved.
    bad = post(shibuya, page, {"env-co2-1-bound": "0.45", "env-co2-1-points": "50",
                               "env-co2-2-bound": "０．３", "env-co2-2-points": "30",
                               "env-renewable-1-bound": "30", "env-renewable-1-points": "-5",
                               "env-unused-1-bound": "abc", "env-unused-1-points": "20", "env-threshold": "70"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "CO2 排出係数 第2段階: 基準値 0.3 は第1段階（0.45）より大きくしてください" in text
    assert "再生可能エネルギー比率 第1段階: 点数が負です（-5 点）" in text
    assert "未利用エネルギー活用 第1段階の基準値: 「abc」は数値ではありません" in text
    assert 'id="env-co2-2-bound" name="env-co2-2-bound" value="０．３"' in text            # kept as typed
    assert 'aria-invalid="true" aria-describedby="env-co2-2-bound-error"' in text
    unreachable = post(shibuya, page, {"env-co2-1-bound": "0.3", "env-co2-1-points": "40", "env-threshold": "５０"})
    assert "基準点 50 点に対し、この評価表で取れる最高点は 40 点です" in unreachable.get_data(as_text=True)
    assert environments(app, tender_id) == {"渋谷区": (None, None), "世田谷区": (None, None)}

    saved = post(shibuya, page, SHIBUYA_FORM)
    assert saved.status_code == 302
    assert "環境配慮の評価基準を保存しました" in shibuya.get(page).get_data(as_text=True)
    stored = environments(app, tender_id)
    assert stored["渋谷区"] == (Decimal(70), SHIBUYA_TABLE)
    assert stored["世田谷区"] == (None, None)                                       # another ward: untouched
    setagaya_page = client_for(app, "staff@setagaya.example.jp").get(page).get_data(as_text=True)
    assert 'name="env-co2-1-bound" value="0.300"' in setagaya_page

    # Bids are checked at the opening against each ward's own table (Setagaya: the default, 70).
    with unit_of_work(app):
        office, tender = user("office@example.jp"), db.session.get(Tender, tender_id)
        opens, opening = tender.bidding_opens, tender.opening_at
        for action in ("publish", "open_bidding"):
            service.move(office, tender_id, action, opens)
        rates = {"高圧": {"base": "1650", "energy": "17.8"}}
        for email, environment in (
                ("vendor@denki.example.jp", {"co2": "0.25", "renewable": "55", "unused": "0"}),  # 80 / 80
                ("vendor@pc.example.jp", {"co2": "0.25", "renewable": "25", "unused": "1"}),     # 60 / 85
                ("vendor@bunguya.example.jp", {"co2": "0.55", "renewable": "50", "unused": "0"})):  # 80 / 40
            service.submit_bid(user(email), tender_id, {"rates": rates, "environment": environment}, opens)
        open_witnessed(office, tender_id, opening)
        bids = {b.vendor_id: b for b in db.session.scalars(select(Bid).filter_by(tender_id=tender_id))}
        by_email = {email: outcome(bids[user(email).vendor_id])
                    for email in ("vendor@denki.example.jp", "vendor@pc.example.jp", "vendor@bunguya.example.jp")}
    assert by_email["vendor@denki.example.jp"] == (True, [])
    pc_reasons = by_email["vendor@pc.example.jp"][1]
    assert any(r.startswith("渋谷区: 環境配慮の評価点 60 点") for r in pc_reasons)   # the default would give 85
    assert not any(r.startswith("世田谷区: 環境配慮") for r in pc_reasons)
    bunguya_reasons = by_email["vendor@bunguya.example.jp"][1]
    assert any(r.startswith("世田谷区: 環境配慮の評価点 40 点") for r in bunguya_reasons)
    assert not any(r.startswith("渋谷区: 環境配慮") for r in bunguya_reasons)       # the default would give 40

    # Bidders see every ward's threshold and table, read-only.
    vendor_page = client_for(app, "vendor@denki.example.jp").get(f"/vendor/tenders/{tender_id}").get_data(as_text=True)
    assert "各区の環境配慮の評価基準" in vendor_page
    assert "<caption>渋谷区</caption>" in vendor_page and "<caption>世田谷区</caption>" in vendor_page
    assert "50 以上: 60 点" in vendor_page and "0.300 以下: 50 点" in vendor_page
    assert "70 点以上（最高 90 点）" in vendor_page and "標準の評価表" in vendor_page
    assert 'name="env-' not in vendor_page


def test_only_a_participating_ward_may_change_its_table_while_demand_is_open(app):
    from tenders import service

    tender_id = electricity_tender(app)
    page = f"/ward/tenders/{tender_id}"
    for email, own_page in (("vendor@denki.example.jp", "/vendor/tenders"), ("office@example.jp", "/office/tenders")):
        client = client_for(app, email)
        token = csrf_token(client, own_page)
        assert client.post(page, data={"csrf_token": token, "action": "environment", **SHIBUYA_FORM}).status_code == 403
    with unit_of_work(app):
        ward_user(app, "131016", "e-131016@example.jp")                # 千代田区: has not joined
    outsider = post(client_for(app, "e-131016@example.jp"), page, SHIBUYA_FORM).get_data(as_text=True)
    assert "この入札案件に参加していません" in outsider
    with unit_of_work(app):
        from procure.extensions import db
        from tenders.models import TenderWard

        assert db.session.scalar(select(TenderWard).filter_by(tender_id=tender_id, ward_id=user(
            "e-131016@example.jp").ward_id)) is None
        service.move(user("office@example.jp"), tender_id, "publish", datetime.now(timezone.utc))
    shibuya = client_for(app, "staff@shibuya.example.jp")
    closed = post(shibuya, page, SHIBUYA_FORM)
    assert "では行えません" in closed.get_data(as_text=True)
    assert environments(app, tender_id) == {"渋谷区": (None, None), "世田谷区": (None, None)}
    readonly = shibuya.get(page).get_data(as_text=True)
    assert "この区の環境配慮の評価表" in readonly and 'name="env-' not in readonly


def test_service_refuses_a_threshold_no_one_can_reach_also_with_the_facility_upload(app):
    from tenders import service
    from tenders.eligibility import Criterion

    tender_id = electricity_tender(app)
    with unit_of_work(app):
        staff, now = user("staff@shibuya.example.jp"), datetime.now(timezone.utc)
        with pytest.raises(service.TenderError, match="最高点は 20 点"):
            service.set_environment(staff, tender_id, Decimal(30),
                                    [Criterion("co2", False, ((Decimal("0.3"), Decimal(20)),))], now)
    with unit_of_work(app), pytest.raises(service.TenderError, match="最高点は 100 点"):  # the default table
        service.enter_facility_demand(user("staff@shibuya.example.jp"), tender_id, [], now, Decimal(101))
    with unit_of_work(app), pytest.raises(service.TenderError, match="区の職員だけ"):
        service.set_environment(user("vendor@denki.example.jp"), tender_id, Decimal(70), [], now)
    assert environments(app, tender_id) == {"渋谷区": (None, None), "世田谷区": (None, None)}

"""Lots (分割発注): a PC tender split by pattern and an electricity tender split by ward are
evaluated and awarded per lot; each lot's ward contracts add up to its award."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.catalog_data import user
from tests.functional.test_electricity_tender import facilities_xlsx
from tests.functional.test_tender_flow import OPENING, OPENS, OPTIONS, T0, bid, ward_user
from tests.helpers import csrf_token, sign_in, open_witnessed, unit_of_work


@pytest.fixture
def split_tender(app):
    """The PC tender of test_tender_flow, split by pattern before bidding, with lot ceilings."""
    from tenders import service

    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "pc", "PC 分割", OPENS, OPENS + timedelta(days=7), OPENING, None,
                                  qualification="designated_ward",
                                  designated_ward_id=user("staff@shibuya.example.jp").ward_id)
        service.add_pattern(office, t.id, "std", "標準ノート", OPTIONS)
        service.add_pattern(office, t.id, "hi", "高性能ノート", OPTIONS)
        service.move(office, t.id, "open_demand", T0)
        for code, lines in {"131130": [{"pattern": "std", "options": ["office"], "quantity": 100},
                                       {"pattern": "hi", "options": ["warranty"], "quantity": 10}],
                            "131121": [{"pattern": "std", "options": [], "quantity": 50},
                                       {"pattern": "hi", "options": [], "quantity": 5}]}.items():
            staff = ward_user(app, code, f"lot-{code}@example.jp")
            service.join(staff, t.id, T0)
            service.enter_pc_demand(staff, t.id, lines, T0)
        service.add_lot(office, t.id, "1", "標準ノート", patterns=["std"], ceiling=Decimal("20000000"))
        service.move(office, t.id, "publish", T0)
        return t.id


def test_bidding_cannot_open_while_demand_is_outside_every_lot(app, split_tender):
    from tenders import service

    with unit_of_work(app):
        office = user("office@example.jp")
        with pytest.raises(service.TenderError, match="高性能ノート|hi: どのロットにも含まれていません"):
            service.move(office, split_tender, "open_bidding", OPENS)
        with pytest.raises(service.TenderError, match="複数のロット"):
            service.add_lot(office, split_tender, "2", "全部", ward_ids=[ward_user(app, "131130", "x@example.jp").ward_id])
            service.move(office, split_tender, "open_bidding", OPENS)
        service.delete_lot(office, split_tender, "2")
        service.add_lot(office, split_tender, "2", "高性能ノート", patterns=["hi"], ceiling=Decimal("3000000"))
        assert service.move(office, split_tender, "open_bidding", OPENS).status == "bidding"


def test_a_published_release_stays_as_it_was_and_a_later_change_is_a_release_of_its_own(app, split_tender):
    """OCDS releases are immutable: a lot added after the notice was published leaves the
    published release (and its id) as it was and is told by a tenderAmendment release; the same
    state fetched again publishes nothing new, and the compiled release has the new lot."""
    from tenders import service
    from tests.official.ocds import record_errors, strict_errors

    first = app.test_client().get(f"/tenders/{split_tender}/ocds.json").get_json()["releases"]
    assert [r["tag"] for r in first] == [["tender"]]
    with unit_of_work(app):
        service.add_lot(user("office@example.jp"), split_tender, "2", "高性能ノート", patterns=["hi"])
    package = app.test_client().get(f"/tenders/{split_tender}/ocds.json").get_json()
    notice, amended = package["releases"]
    assert notice == first[0]  # unchanged, under the same id
    assert amended["tag"] == ["tenderAmendment"] and amended["id"] != notice["id"] and amended["date"] >= notice["date"]
    assert [lot["title"] for lot in amended["tender"]["lots"]] == ["標準ノート", "高性能ノート"]
    assert [(a["description"], a["amendsReleaseID"]) for a in amended["tender"]["amendments"]] == [
        ("公告の変更: ロット", notice["id"])]
    again = app.test_client().get(f"/tenders/{split_tender}/ocds.json").get_json()
    assert again["releases"] == package["releases"]
    records = app.test_client().get(f"/tenders/{split_tender}/ocds/record.json").get_json()
    assert [lot["id"] for lot in records["records"][0]["compiledRelease"]["tender"]["lots"]] == ["lot-1", "lot-2"]
    assert record_errors(records) == [] and strict_errors(records) == [] and strict_errors(package) == []


def test_each_lot_is_awarded_on_its_own_and_contracts_add_up_per_lot(app, split_tender):
    from procure.extensions import db
    from tenders import service
    from tenders.models import Bid, Contract

    with unit_of_work(app):
        office = user("office@example.jp")
        service.add_lot(office, split_tender, "2", "高性能ノート", patterns=["hi"], ceiling=Decimal("3000000"))
        service.move(office, split_tender, "open_bidding", OPENS)
        pc, bunguya = user("vendor@pc.example.jp"), user("vendor@bunguya.example.jp")
        with pytest.raises(service.TenderError, match="ロット 9"):
            service.submit_bid(pc, split_tender, {**bid(95000, 150000), "lots": ["9"]}, OPENS)
        # pc bids the standard notebooks only; bunguya both lots, dearer on notebooks, cheaper on high-end.
        service.submit_bid(pc, split_tender, {**bid(95000, 150000), "lots": ["1"]}, OPENS)
        service.submit_bid(bunguya, split_tender, bid(97000, 140000), OPENS)
        open_witnessed(office, split_tender, OPENING)
        evaluations = {(b.vendor_id, e.lot_code): e for b in db.session.scalars(select(Bid)) for e in b.evaluations}
        p, b = pc.vendor_id, bunguya.vendor_id
        assert set(evaluations) == {(p, "1"), (b, "1"), (b, "2")}
        std_pc = 100 * (95000 + 30000) + 50 * 95000
        assert evaluations[(p, "1")].evaluated_price == std_pc
        assert evaluations[(b, "2")].evaluated_price == 10 * (140000 + 12000) + 5 * 140000
        awards = {a.lot_code: a for a in service.award(office, split_tender, OPENING)}
        assert awards["1"].vendor_id == pc.vendor_id and awards["1"].price == std_pc
        assert awards["1"].award_rate == (Decimal(std_pc) / Decimal(20000000)).quantize(Decimal("0.0001"))
        assert awards["2"].vendor_id == bunguya.vendor_id
        assert awards["2"].award_rate == (Decimal(2220000) / Decimal(3000000)).quantize(Decimal("0.0001"))
        made = service.make_contracts(office, split_tender, OPENING)
        assert len(made) == 4  # two wards x two lots
        for code, award in awards.items():
            assert sum(c.amount for c in made if c.lot_code == code) == award.price
            assert {c.vendor_id for c in made if c.lot_code == code} == {award.vendor_id}
        shibuya = ward_user(app, "131130", "lot-131130@example.jp")
        assert len(db.session.scalars(select(Contract).filter_by(ward_id=shibuya.ward_id)).all()) == 2
    client = app.test_client()
    sign_in(client, "lot-131130@example.jp")
    page = client.get(f"/ward/tenders/{split_tender}").get_data(as_text=True)
    assert page.count("ロット 1 標準ノート") == 1 and page.count("ロット 2 高性能ノート") == 1
    package = app.test_client().get(f"/tenders/{split_tender}/ocds.json").get_json()
    assert [r["tag"] for r in package["releases"]].count(["contract"]) == 4  # one release per ward contract
    public = app.test_client().get(f"/tenders/{split_tender}/ocds/record.json").get_json()["records"][0]["compiledRelease"]
    assert [lot["id"] for lot in public["tender"]["lots"]] == ["lot-1", "lot-2"]
    assert sorted(a["relatedLots"][0] for a in public["awards"]) == ["lot-1", "lot-2"]
    assert len(public["contracts"]) == 4
    award_ids = {a["id"] for a in public["awards"]}
    assert all(c["awardID"] in award_ids and c["dateSigned"] for c in public["contracts"])
    assert sum(c["value"]["amount"] for c in public["contracts"]) == sum(a["value"]["amount"] for a in public["awards"])
    assert {c["buyer"]["name"] for c in public["contracts"]} == {"渋谷区", "世田谷区"}
    results = app.test_client().get("/tenders/results").get_data(as_text=True)
    assert "ロット 2 高性能ノート" in results and "74.00%" in results  # 2,220,000 / 3,000,000


def test_electricity_split_by_ward_lets_a_supplier_serve_the_wards_whose_threshold_it_meets(app):
    """A supplier below one ward's environmental threshold loses only that ward's lot."""
    from tenders import service
    from tenders.facility_upload import read_facilities

    with unit_of_work(app):
        office = user("office@example.jp")
        tender = service.create_tender(office, "electricity", "電力 区ごと", OPENS, OPENS + timedelta(days=7),
                                       OPENING, None)
        service.move(office, tender.id, "open_demand", T0)
        shibuya, setagaya = ward_user(app, "131130", "le-131130@example.jp"), ward_user(app, "131121",
                                                                                        "le-131121@example.jp")
        for staff, threshold in ((shibuya, Decimal(40)), (setagaya, Decimal(80))):
            service.join(staff, tender.id, T0)
            facilities, _ = read_facilities(facilities_xlsx([("本庁舎", "高圧", 500, 100) + (100000,) * 12]))
            service.enter_facility_demand(staff, tender.id, facilities, T0, threshold)
        assert [lot.name for lot in service.split_lots(office, tender.id, "ward")] == ["渋谷区", "世田谷区"]
        for action in ("publish", "open_bidding"):
            service.move(office, tender.id, action, OPENS)
        from datetime import date

        from procure.extensions import db
        from procure.models import VendorQualification

        pc = user("vendor@pc.example.jp")
        db.session.add_all(VendorQualification(vendor_id=pc.vendor_id, ward_id=staff.ward_id, category="電力",
                                               valid_from=date(2026, 4, 1), valid_to=date(2028, 3, 31))
                           for staff in (shibuya, setagaya))
        db.session.commit()
        grey = {"co2": "0.40", "renewable": "12", "unused": "0"}   # 45 points: enough for 渋谷区 only
        green = {"co2": "0.25", "renewable": "35", "unused": "0"}  # 80 points
        service.submit_bid(pc, tender.id,
                           {"rates": {"高圧": {"base": "1500", "energy": "15"}}, "environment": grey}, OPENS)
        service.submit_bid(user("vendor@denki.example.jp"), tender.id,
                           {"rates": {"高圧": {"base": "1650", "energy": "17.8"}}, "environment": green}, OPENS)
        open_witnessed(office, tender.id, OPENING)
        awards = {a.lot_code: a.vendor_id for a in service.award(office, tender.id, OPENING)}
        assert awards == {"1": user("vendor@pc.example.jp").vendor_id, "2": user("vendor@denki.example.jp").vendor_id}
        made = {c.ward_id: c for c in service.make_contracts(office, tender.id, OPENING)}
        assert made[shibuya.ward_id].lines[0]["energy_rate"] == "15"
        assert made[setagaya.ward_id].lines[0]["energy_rate"] == "17.8"


def test_office_splits_and_adds_lots_on_the_page(app):
    from procure.extensions import db
    from tenders import service
    from tenders.models import TenderLot

    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "pc", "PC", OPENS, OPENS + timedelta(days=7), OPENING, None)
        service.add_pattern(office, t.id, "std", "標準ノート", OPTIONS)
        service.add_pattern(office, t.id, "desk", "デスクトップ", [])
        tender_id = t.id
    client = app.test_client()
    sign_in(client, "office@example.jp")
    detail = f"/office/tenders/{tender_id}"
    token = csrf_token(client, detail)
    client.post(f"{detail}/lots", data={"csrf_token": token, "action": "split", "mode": "pattern"})
    with unit_of_work(app):
        assert [(lot.code, lot.patterns) for lot in db.session.scalars(select(TenderLot))] == [
            ("1", ["std"]), ("2", ["desk"])]
    bad = client.post(f"{detail}/lots", data={"csrf_token": token, "action": "add", "code": "1", "name": ""},
                      follow_redirects=True).get_data(as_text=True)
    assert "ロット 1 は既にあります" in bad and "ロットの名称を入力してください" in bad
    client.post(f"{detail}/lots", data={"csrf_token": token, "action": "add", "code": "3", "name": "予備",
                                        "patterns": "std", "ceiling": "１，０００，０００"})
    page = client.get(detail).get_data(as_text=True)
    assert "予備" in page and "開札まで非公開" in page and "1,000,000" not in page
    with unit_of_work(app):
        lot = db.session.scalar(select(TenderLot).filter_by(code="3"))
        assert lot.sealed_ceiling and b"1000000" not in lot.sealed_ceiling and lot.ceiling_price is None

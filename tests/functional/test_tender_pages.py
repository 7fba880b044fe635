"""A PC tender through the pages: office, ward, vendors, public results and the OCDS release."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from tests.helpers import csrf_token, sign_in, open_witnessed, unit_of_work

TOKYO_FORMAT = "%Y-%m-%dT%H:%M"


def user_ward(app):
    from tests.catalog_data import user

    return user("staff@shibuya.example.jp").ward_id


def as_user(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def post(client, url, page, data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def test_pc_tender_through_the_pages(app):
    from procure.extensions import db
    from procure.jpcalendar import TOKYO
    from tenders.models import Tender

    now = datetime.now(TOKYO)
    office = as_user(app, "office@example.jp")
    response = post(office, "/office/tenders", "/office/tenders", {
        "kind": "pc", "title": "標準PC 共同調達", "bidding_opens": (now - timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "bidding_closes": (now + timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "opening_at": (now + timedelta(hours=2)).strftime(TOKYO_FORMAT), "ceiling": "２０，０００，０００",
        "evaluation_method": "lowest", "designated_ward": "131130", "quantity_tolerance": "１５"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    detail = response.headers["Location"]
    tender_id = int(detail.rsplit("/", 1)[1])
    assert "±15%" in office.get(detail).get_data(as_text=True)
    refused = post(office, "/office/tenders", "/office/tenders", {
        "kind": "pc", "title": "x", "bidding_opens": (now - timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "bidding_closes": (now + timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "opening_at": (now + timedelta(hours=2)).strftime(TOKYO_FORMAT), "quantity_tolerance": "150"})
    assert "数量変更の許容幅: 0 以上、100 以下にしてください" in refused.get_data(as_text=True)
    small = post(office, "/office/tenders", "/office/tenders", {
        "kind": "pc", "title": "少額", "bidding_opens": (now - timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "bidding_closes": (now + timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "opening_at": (now + timedelta(hours=2)).strftime(TOKYO_FORMAT), "ceiling": "２，０００，０００",
        "procurement_method": "limited", "procurement_ground": "令167の2①一"}).get_data(as_text=True)
    assert "予定価格 2,000,000 円は財産の買入れの少額随意契約の限度額 1,500,000 円" in small
    for field, value, message in (("kind", "foo", "種別を一覧から"), ("evaluation_method", "best", "評価方法を一覧から"),
                                  ("region", "mars", "地域要件を一覧から")):
        odd = post(office, "/office/tenders", "/office/tenders", {
            "kind": "pc", "title": "選択肢", "bidding_opens": (now - timedelta(hours=1)).strftime(TOKYO_FORMAT),
            "bidding_closes": (now + timedelta(hours=1)).strftime(TOKYO_FORMAT),
            "opening_at": (now + timedelta(hours=2)).strftime(TOKYO_FORMAT), field: value})
        assert odd.status_code == 200 and message in odd.get_data(as_text=True), field
    urgent = office.post("/office/tenders", follow_redirects=True, data={
        "csrf_token": csrf_token(office, "/office/tenders"), "kind": "pc", "title": "緊急",
        "bidding_opens": (now - timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "bidding_closes": (now + timedelta(hours=1)).strftime(TOKYO_FORMAT),
        "opening_at": (now + timedelta(hours=2)).strftime(TOKYO_FORMAT), "ceiling": "2000000",
        "contract_starts": "２０３０年４月１日", "contract_ends": "2031-03-31",
        "procurement_method": "limited", "procurement_ground": "令167の2①五"}).get_data(as_text=True)
    assert "入札案件を作成しました" in urgent and "限度額 1,500,000 円（別表第5）を超えます" in urgent  # warned
    assert "2030-04-01 〜 2031-03-31" in urgent
    assert "調達方法" in office.get(detail).get_data(as_text=True) and "一般競争入札" in office.get(detail).get_data(
        as_text=True)
    post(office, f"/office/tenders/{tender_id}/patterns", detail,
         {"code": "std", "name": "標準ノート", "options": "mem16, office=Office"})
    assert "「mem16」: 「コード=名称」" in office.get(detail).get_data(as_text=True)
    post(office, f"/office/tenders/{tender_id}/patterns", detail,
         {"code": "std", "name": "標準ノート", "options": "メモリ:mem16=16GB、メモリ：mem32=32GB, office=Office"})
    post(office, f"/office/tenders/{tender_id}/actions/open_demand", detail, {})

    ward = as_user(app, "staff@shibuya.example.jp")
    page = f"/ward/tenders/{tender_id}"
    post(ward, page, page, {"action": "join"})
    with unit_of_work(app):
        from procure.models import Facility

        sites = db.session.scalars(select(Facility.id).filter_by(ward_id=user_ward(app))).all()
        other_site = db.session.scalar(select(Facility.id).where(Facility.ward_id != user_ward(app)))
    refused = post(ward, page, page, {"qty_std_0": "100", "site_std_0": str(other_site), "qty_std_1": "",
                                      "qty_std_2": "７", "lease_std_2": "60"}).get_data(as_text=True)
    assert "標準ノート 1行目: 納品場所は自区の施設から選んでください" in refused
    assert 'value="７"' in refused  # what was typed is shown again, not lost
    later = (now + timedelta(days=30)).date().isoformat()
    post(ward, page, page, {"qty_std_0": "１００", "tier_std_0_0": "mem32", "opt_std_0": ["office"],
                            "site_std_0": str(sites[0]), "date_std_0": later,
                            "qty_std_1": "20", "tier_std_1_0": "", "site_std_1": str(sites[-1]), "date_std_1": later})
    with unit_of_work(app):
        from tenders.models import PcDemandLine

        rows = db.session.scalars(select(PcDemandLine).order_by(PcDemandLine.id)).all()
        assert [(r.quantity, r.facility_id, r.options) for r in rows] == [
            (100, sites[0], ["mem32", "office"]), (20, sites[-1], [])]
    shown = ward.get(page).get_data(as_text=True)
    assert 'name="qty_std_3"' in shown and 'name="qty_std_4"' not in shown  # two lines and two blank rows
    assert "100" in office.get(detail).get_data(as_text=True)

    post(office, f"/office/tenders/{tender_id}/actions/publish", detail, {})
    post(office, f"/office/tenders/{tender_id}/actions/open_bidding", detail, {})
    for email, price in (("vendor@pc.example.jp", "98000"), ("vendor@bunguya.example.jp", "99000"),
                         ("vendor@pc.example.jp", "96000")):
        vendor = as_user(app, email)
        vpage = f"/vendor/tenders/{tender_id}"
        result = post(vendor, vpage, vpage, {"patterns:std": price, "options:std:office": "３０，０００",
                                             "options:std:mem32": "5000"}).get_data(as_text=True)
        assert "受付番号（ハッシュ）" in result
    vendor, vpage = as_user(app, "vendor@bunguya.example.jp"), f"/vendor/tenders/{tender_id}"
    for tiers, message in (("500:93000", "「台数=単価」"), ("50=100000", "前の段階の単価")):
        refused = post(vendor, vpage, vpage, {"patterns:std": "99000", "volume:std": tiers}).get_data(as_text=True)
        assert message in refused and "受付番号（ハッシュ）" not in refused
    before = office.get(detail).get_data(as_text=True)
    assert "96000" not in before and "¥96,000" not in before and "開札日時まで" in before
    refused = post(office, f"/office/tenders/{tender_id}/actions/open_bids", detail, {})
    assert "開札日時前" in office.get(detail).get_data(as_text=True)

    with unit_of_work(app):  # the bidding period and the opening time pass
        past = datetime.now(TOKYO) - timedelta(minutes=1)
        db.session.execute(update(Tender).where(Tender.id == tender_id).values(
            bidding_opens=past - timedelta(hours=2), bidding_closes=past - timedelta(minutes=1), opening_at=past))
        db.session.commit()
    post(office, f"/office/tenders/{tender_id}/actions/open_bids", detail, {})  # the officer asks
    asked = office.get(detail).get_data(as_text=True)
    assert "別の職員が立会人として確認すると開札します" in asked and "¥15,020,000" not in asked
    post(office, f"/office/tenders/{tender_id}/actions/open_bids", detail, {})  # and cannot witness
    assert "立会人になれません" in office.get(detail).get_data(as_text=True)
    witness = as_user(app, "witness@example.jp")
    post(witness, f"/office/tenders/{tender_id}/actions/open_bids", detail, {})  # 開札立会人
    opened = office.get(detail).get_data(as_text=True)
    assert "¥15,020,000" in opened  # 100 x (96,000 + 5,000 + 30,000) + 20 x 96,000
    assert "差し替え済み" in opened
    post(office, f"/office/tenders/{tender_id}/actions/award", detail, {})
    with unit_of_work(app):
        assert db.session.get(Tender, tender_id).status == "awarded"

    public = app.test_client()
    results = public.get("/tenders/results").get_data(as_text=True)
    assert "東京ピーシーソリューションズ株式会社" in results and "75.10%" in results  # 15.02M / 20M
    package = public.get(f"/tenders/{tender_id}/ocds.json").get_json()
    from tests.official.ocds import errors, record_errors, strict_errors

    assert errors(package) == [] and strict_errors(package) == []  # the official OCDS 1.1.5 schema
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderUpdate"], ["award"]]
    records = public.get(f"/tenders/{tender_id}/ocds/record.json").get_json()
    assert record_errors(records) == [] and strict_errors(records) == []
    (record,) = records["records"]
    assert [r["id"] for r in record["releases"]] == [r["id"] for r in package["releases"]]
    release = record["compiledRelease"]
    assert release["tag"] == ["compiled"] and release["tender"]["status"] == "complete"
    assert release["awards"][0]["value"] == {"amount": 15020000.0, "currency": "JPY"}
    assert {b["status"] for b in release["bids"]["details"]} == {"valid"}
    assert release["tender"]["value"]["amount"] == 20000000.0
    assert (release["tender"]["procurementMethod"], release["tender"]["procurementMethodDetails"],
            release["tender"]["awardCriteria"]) == ("open", "一般競争入札", "priceOnly")
    from tests.helpers import pdf_text

    record = public.get(f"/tenders/{tender_id}/opening-record.pdf")
    assert record.status_code == 200
    text = pdf_text(record.data)
    for expected in ("開札調書", "東京ピーシーソリューションズ株式会社", "¥15,020,000", "¥20,000,000", "75.10%", "落札"):
        assert expected in text, expected
    assert release["tender"]["items"][0]["unit"] == {"name": "台"}
    assert release["tender"]["items"][0]["classification"] == {"scheme": "CPV", "id": "30213000",
                                                               "description": "パーソナルコンピュータ"}
    bulk = public.get("/tenders/ocds.json").get_json()
    assert errors(bulk) == [] and release["ocid"] in {r["ocid"] for r in bulk["releases"]}
    for odd in ("0", "-1", "x", "１", "9" * 30):  # a page out of range is the first; nothing fails
        assert public.get(f"/tenders/ocds.json?page={odd}").status_code == 200
    assert public.get("/tenders/ocds.json?page=2").get_json()["releases"] == []
    roles = {p["name"]: p["roles"] for p in release["parties"]}
    assert roles["東京ピーシーソリューションズ株式会社"] == ["tenderer", "supplier"]
    assert roles["特別区共同調達組織"] == ["procuringEntity", "buyer"]
    winner = next(p for p in release["parties"] if p["name"] == "東京ピーシーソリューションズ株式会社")
    assert winner["identifier"]["scheme"] == "JP-JCN" and len(winner["identifier"]["id"]) == 13
    shibuya = next(p for p in release["parties"] if p["name"] == "渋谷区")
    assert shibuya["identifier"] == {"scheme": "JP-JCN", "id": "9000020131130", "legalName": "渋谷区"}
    assert shibuya["additionalIdentifiers"] == [{"scheme": "JP-LGCODE", "id": "131130"}]
    assert package["releases"][0]["tender"].get("value") is None  # the ceiling only from the opening


def test_ocds_hides_bids_and_ceiling_before_opening(app):
    from procure.dbtypes import utcnow
    from tenders import service
    from tests.catalog_data import user

    with unit_of_work(app):
        office = user("office@example.jp")
        tender = service.create_tender(office, "pc", "PC", utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1),
                                       utcnow() + timedelta(hours=2), 5_000_000)
        for action in ("open_demand", "publish", "open_bidding"):
            service.move(office, tender.id, action, utcnow())
        tender_id = tender.id
    package = app.test_client().get(f"/tenders/{tender_id}/ocds.json").get_json()
    (release,) = package["releases"]
    assert "bids" not in release and "value" not in release["tender"] and release["tender"]["status"] == "active"
    assert any("ocds_bid_extension" in url for url in package["extensions"])
    again = app.test_client().get(f"/tenders/{tender_id}/ocds.json").get_json()["releases"][0]
    assert again == release  # the same state, the same release
    with unit_of_work(app):
        service.move(user("office@example.jp"), tender_id, "cancel", utcnow())
    cancelled_package = app.test_client().get(f"/tenders/{tender_id}/ocds.json").get_json()
    first, cancelled = cancelled_package["releases"]
    assert first == release  # what was released stays as it was
    assert cancelled["tag"] == ["tenderCancellation"] and cancelled["tender"]["status"] == "cancelled"
    compiled = app.test_client().get(f"/tenders/{tender_id}/ocds/record.json").get_json()["records"][0]["compiledRelease"]
    assert compiled["tender"]["status"] == "cancelled" and compiled["tender"]["title"] == "PC"
    from tests.official.ocds import errors, strict_errors

    assert errors(package) == [] and errors(cancelled_package) == [] and strict_errors(cancelled_package) == []


def test_vendor_delivers_a_contract_on_its_page(app):
    from datetime import timezone

    from procure.extensions import db
    from procure.models import Facility
    from tenders import service
    from tests.catalog_data import user
    from tests.functional.test_tender_flow import bid

    now = datetime.now(timezone.utc)
    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "pc", "PC", now - timedelta(hours=2), now - timedelta(hours=1),
                                  now - timedelta(minutes=30), None)
        service.add_pattern(office, t.id, "std", "標準", [{"code": "office", "name": "Office"}])
        service.move(office, t.id, "open_demand", now)
        staff = user("staff@shibuya.example.jp")
        service.join(staff, t.id, now)
        service.enter_pc_demand(staff, t.id, [{"pattern": "std", "options": ["office"], "quantity": 5}], now)
        service.move(office, t.id, "publish", now)
        service.move(office, t.id, "open_bidding", now)
        service.submit_bid(user("vendor@pc.example.jp"), t.id, bid(95000, 1), now - timedelta(minutes=90))
        open_witnessed(office, t.id, now)
        service.award(office, t.id, now)
        (contract,) = service.make_contracts(office, t.id, now)
        contract_id, site = contract.id, db.session.scalar(select(Facility.id).filter_by(ward_id=staff.ward_id))
        tender_id = t.id
    vendor = as_user(app, "vendor@pc.example.jp")
    page = f"/vendor/contracts/{contract_id}"
    assert f"/vendor/contracts/{contract_id}" in vendor.get(f"/vendor/tenders/{tender_id}").get_data(as_text=True)
    bad = post(vendor, page, page, {"qty_0": "6", "facility_id": str(site), "note_number": "P-1",
                                    "delivered_on": "2026-11-20"})
    assert "1〜5" in bad.get_data(as_text=True)
    post(vendor, page, page, {"qty_0": "５", "facility_id": str(site), "note_number": "P-1", "delivered_on": "2026-11-20"})
    assert as_user(app, "inspector@shibuya.example.jp").get("/ward/inspections").get_data(as_text=True).count("P-1") == 1
    assert as_user(app, "vendor@bunguya.example.jp").get(page).status_code == 404
    # inspected, it prints as a 検収調書 priced from the contract line
    from deliveries.inspection import InspectionEntry
    from deliveries.models import Delivery
    from deliveries.services import inspect_delivery
    from tests.catalog_data import user

    with unit_of_work(app):
        delivery = db.session.scalar(select(Delivery).filter_by(note_number="P-1"))
        delivery_id = delivery.id
        inspect_delivery(user("inspector@shibuya.example.jp"), delivery_id,
                         [InspectionEntry(delivery.lines[0].id, 5, 0, None)])
    record = as_user(app, "inspector@shibuya.example.jp").get(f"/deliveries/{delivery_id}/inspection.pdf")
    assert record.status_code == 200 and record.data.startswith(b"%PDF")


def test_questions_are_answered_for_every_vendor_without_the_askers_name(app):
    from procure.dbtypes import utcnow
    from tenders import service
    from tests.catalog_data import user

    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "pc", "PC", utcnow() + timedelta(days=1), utcnow() + timedelta(days=2),
                                  utcnow() + timedelta(days=3), None)
        for action in ("open_demand", "publish"):
            service.move(office, t.id, action, utcnow())
        tender_id = t.id
    asker, other = as_user(app, "vendor@pc.example.jp"), as_user(app, "vendor@bunguya.example.jp")
    page = f"/vendor/tenders/{tender_id}"
    post(asker, page, page, {"action": "ask", "question": "Office は永続ライセンスですか"})
    assert "Office は永続ライセンスですか" not in other.get(page).get_data(as_text=True)  # unanswered: asker only
    office_client = as_user(app, "office@example.jp")
    detail = f"/office/tenders/{tender_id}"
    with unit_of_work(app):
        from tenders.models import TenderQuestion
        from procure.extensions import db

        question_id = db.session.scalar(select(TenderQuestion.id))
    answer_url = f"/office/tenders/{tender_id}/questions/{question_id}/answer"
    post(office_client, answer_url, detail, {"answer": "永続ライセンスです"})
    assert "永続ライセンスです" not in other.get(page).get_data(as_text=True)  # answers only while taking questions
    post(office_client, f"/office/tenders/{tender_id}/actions/open_questions", detail, {})
    post(office_client, answer_url, detail, {"answer": "永続ライセンスです"})
    text = other.get(page).get_data(as_text=True)
    assert "Office は永続ライセンスですか" in text and "永続ライセンスです" in text
    assert "東京ピーシーソリューションズ" not in text


def test_the_ocds_schema_check_bites():
    from tests.official.ocds import errors

    assert errors({})  # the official schema requires uri, publisher, releases...
    bad = {"uri": "x", "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1", "publisher": {"name": "a"},
           "releases": [{"ocid": "o", "id": "1", "date": "not a date", "tag": ["tender"], "initiationType": "tender"}]}
    assert errors(bad) == ["releases/0/date: 'not a date' is not a 'date-time'"]


def test_the_strict_ocds_check_bites():
    """Fields outside the core schema and the declared extensions are reported; a declared
    extension's fields are not; a record without its compiled release is refused."""
    from tests.official.ocds import BASE, record_errors, strict_errors

    release = {"ocid": "o-1", "id": "o-1-tender", "date": "2026-01-01T00:00:00Z", "tag": ["tender"],
               "initiationType": "tender", "tender": {"id": "1", "lots": [{"id": "lot-1"}], "note": "x"},
               "bids": {"details": [{"id": "b", "description": "理由"}]}}
    package = {"uri": "x", "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1", "publisher": {"name": "a"},
               "extensions": [], "releases": [release]}
    assert {e.split(" ", 1)[1] for e in strict_errors(package)} == {
        "additional field: /tender/lots", "additional field: /tender/note", "additional field: /bids"}
    package["extensions"] = ["https://example.org/ocds_bid_extension/extension.json",
                             "https://example.org/ocds_lots_extension/extension.json"]
    assert {e.split(" ", 1)[1] for e in strict_errors(package)} == {
        "additional field: /tender/note", "additional field: /bids/details/0/description"}
    records = {**{k: v for k, v in package.items() if k != "releases"}, "records": [{"ocid": "o-1"}]}
    assert record_errors(records) and BASE.endswith("1__1__5/")


def test_the_app_merges_with_the_official_release_schema():
    from pathlib import Path

    from tests.official.ocds import SCHEMAS

    shipped = Path(__file__).parents[2] / "tenders" / "ocds_release_schema_1_1_5.json"
    assert shipped.read_bytes() == (SCHEMAS / "release-schema.json").read_bytes()


def test_the_bulk_download_comes_in_pages(app, monkeypatch):
    from procure.dbtypes import utcnow
    from tenders import service
    from tenders.views import public
    from tests.catalog_data import user

    with unit_of_work(app):
        office = user("office@example.jp")
        made = []
        for title in ("一つ目", "二つ目"):
            tender = service.create_tender(office, "pc", title, utcnow() + timedelta(hours=1),
                                           utcnow() + timedelta(hours=2), utcnow() + timedelta(hours=3), None)
            for action in ("open_demand", "publish"):
                service.move(office, tender.id, action, utcnow())
            made.append(tender.id)
    monkeypatch.setattr(public, "BULK_PAGE", 1)
    client = app.test_client()
    first = client.get("/tenders/ocds.json")
    assert first.headers["Link"].endswith('/tenders/ocds.json?page=2>; rel="next"')
    assert {r["ocid"].rsplit("-", 1)[1] for r in first.get_json()["releases"]} == {str(made[0])}
    second = client.get("/tenders/ocds.json?page=2")
    assert "Link" not in second.headers
    assert {r["ocid"].rsplit("-", 1)[1] for r in second.get_json()["releases"]} == {str(made[1])}

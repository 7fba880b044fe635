"""OCDS releases per event, built from plain values (tenders.ocds), judged by the official schemas
and the strict check with the declared extensions."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from tenders import ocds
from tests.official.ocds import errors, record_errors, strict_errors

T0 = datetime(2027, 1, 10, 1, 0, tzinfo=timezone.utc)
VENDORS = {7: {"name": "東京ピーシー株式会社", "corporate_number": "1010001000006", "address": "東京都港区芝1-1",
               "prefecture": "東京都"},
           8: {"name": "文具屋株式会社", "corporate_number": "2010001000005", "address": "東京都渋谷区1-1",
               "prefecture": "東京都"}}


def process(**changes) -> ocds.Process:
    values = dict(
        tender={"id": 5, "title": "PC", "kind": "pc", "status": "contracted", "method": "lowest",
                "procurement_method": "open", "procurement_method_details": "一般競争入札",
                "bidding_opens": T0, "bidding_closes": T0 + timedelta(days=7), "opening_at": T0 + timedelta(days=8),
                "ceiling": Decimal("3000000"), "contract_starts": date(2027, 4, 1), "contract_ends": date(2028, 3, 31),
                "items": [{"id": "std", "description": "標準ノート", "quantity": 20, "unit": "台"}]},
        wards=[{"code": "131130", "name": "渋谷区", "corporate_number": "9000020131130"}],
        vendors=VENDORS,
        bids=[{"vendor_id": 7, "vendor_name": VENDORS[7]["name"], "lot": "1", "price": Decimal("1900000"), "valid": True},
              {"vendor_id": 8, "vendor_name": VENDORS[8]["name"], "lot": "2", "price": Decimal("990000"), "valid": False}],
        awards=[{"lot": "1", "vendor_id": 7, "price": Decimal("1900000"), "date": T0 + timedelta(days=8, hours=2)}],
        lots=[{"code": "1", "name": "ロット1", "ceiling": Decimal("2000000")},
              {"code": "2", "name": "ロット2", "ceiling": Decimal("1000000")}],
        contracts=[{"id": 31, "lot": "1", "ward_code": "131130", "ward_name": "渋谷区", "vendor_id": 7,
                    "amount": Decimal("2090000"), "date": T0 + timedelta(days=9),
                    "amendments": [{"id": 1, "date": T0 + timedelta(days=30), "item": "std", "from_quantity": 20,
                                    "to_quantity": 22, "amount_before": Decimal("1900000"),
                                    "amount_after": Decimal("2090000"), "rationale": "増員"}]}],
        published_at=T0 - timedelta(days=1), opened_at=T0 + timedelta(days=8), ended=None)
    values.update(changes)
    return ocds.Process(**values)


def package(releases):
    return {"uri": "https://example.jp/x", "publishedDate": "2027-03-01T00:00:00+00:00", "version": "1.1",
            "publisher": {"name": "特別区共同調達組織"}, "extensions": list(ocds.EXTENSIONS), "releases": releases}


def test_one_release_per_event_in_order_each_valid_and_strict():
    releases = ocds.releases(process())
    assert [r["tag"] for r in releases] == [["tender"], ["tenderUpdate"], ["award"], ["contract"], ["contractAmendment"]]
    assert [r["date"] for r in releases] == sorted(r["date"] for r in releases)
    assert errors(package(releases)) == [] and strict_errors(package(releases)) == []
    assert "value" not in releases[0]["tender"] and "bids" not in releases[0]  # nothing sealed before the opening
    award = releases[2]
    assert {lot["id"]: lot["status"] for lot in award["tender"]["lots"]} == {"lot-1": "complete", "lot-2": "unsuccessful"}
    assert award["awards"][0]["relatedBid"] == "bid-7-lot-1"


def test_the_same_state_is_the_same_release_and_a_changed_one_is_new():
    first, again = ocds.releases(process()), ocds.releases(process())
    assert first == again
    retitled = ocds.releases(process(tender={**process().tender, "title": "PC（訂正）"}))
    assert retitled[0]["id"] != first[0]["id"] and retitled[2]["id"] == first[2]["id"]


def test_a_time_before_publication_is_dated_at_it():
    releases = ocds.releases(process(opened_at=T0 - timedelta(days=3)))
    assert releases[1]["tag"] == ["tenderUpdate"] and releases[1]["date"] == releases[0]["date"]


def test_the_record_compiles_the_amended_contract_and_a_cancellation():
    cancelled = process(ended=("cancelled", T0 + timedelta(days=40)))
    releases = ocds.releases(cancelled)
    assert releases[-1]["tag"] == ["tenderCancellation"]
    record = ocds.record(releases)
    records = {**{k: v for k, v in package(releases).items() if k != "releases"}, "records": [record]}
    assert record_errors(records) == [] and strict_errors(records) == []
    compiled = record["compiledRelease"]
    assert compiled["tender"]["status"] == "cancelled" and compiled["tender"]["title"] == "PC"
    assert {lot["status"] for lot in compiled["tender"]["lots"]} == {"cancelled"}
    (contract,) = compiled["contracts"]
    assert contract["status"] == "cancelled" and contract["value"]["amount"] == 2090000
    assert contract["amendments"][0]["rationale"] == "増員" and contract["period"]["startDate"].startswith("2027-04-01")
    assert compiled["awards"][0]["status"] == "cancelled"


def test_an_unsuccessful_tender_says_so():
    releases = ocds.releases(process(awards=[], contracts=[], ended=("no_valid_bid", T0 + timedelta(days=9))))
    assert releases[-1]["tag"] == ["tenderUpdate"] and releases[-1]["tender"]["status"] == "unsuccessful"
    assert ocds.record(releases)["compiledRelease"]["tender"]["status"] == "unsuccessful"


def test_each_amendment_amends_the_release_before_it():
    base = process()
    (contract,) = base.contracts
    second = {"id": 2, "date": T0 + timedelta(days=60), "item": "std", "from_quantity": 22, "to_quantity": 21,
              "amount_before": Decimal("2090000"), "amount_after": Decimal("1995000"), "rationale": "退職"}
    releases = ocds.releases(process(contracts=[{**contract, "amendments": [*contract["amendments"], second]}]))
    signed, first, then = [r for r in releases if r["tag"] in (["contract"], ["contractAmendment"])]
    assert first["contracts"][0]["amendments"][-1]["amendsReleaseID"] == signed["id"]
    assert then["contracts"][0]["amendments"][-1]["amendsReleaseID"] == first["id"]
    assert [a["releaseID"] for a in then["contracts"][0]["amendments"]] == [first["id"], then["id"]]
    compiled = ocds.record(releases)["compiledRelease"]["contracts"][0]
    assert [a["rationale"] for a in compiled["amendments"]] == ["増員", "退職"]
    assert compiled["value"]["amount"] == 1995000 and signed["contracts"][0]["value"]["amount"] == 1900000
    assert strict_errors(package(releases)) == []


def test_releases_keep_the_process_order_when_the_recorded_times_disagree():
    """A contract recorded as signed before the award (demo data entered afterwards, a clock set
    back) is released after the award; merging by date keeps the order of the process."""
    base = process()
    (contract,) = base.contracts
    early = {**contract, "date": T0 - timedelta(days=5), "amendments": []}
    releases = ocds.releases(process(contracts=[early]))
    assert [r["tag"] for r in releases] == [["tender"], ["tenderUpdate"], ["award"], ["contract"]]
    assert releases[3]["date"] == releases[2]["date"]
    cancelled = ocds.releases(process(contracts=[early], ended=("cancelled", T0 - timedelta(days=9))))
    assert cancelled[-1]["tag"] == ["tenderCancellation"] and cancelled[-1]["date"] >= cancelled[-2]["date"]


def test_what_changed_after_publication_is_published_as_an_update_beside_the_release():
    published = ocds.releases(process())
    later = T0 + timedelta(days=40)
    assert ocds.to_publish(published, ocds.releases(process()), later) == []  # nothing changed, nothing new
    moved = {**VENDORS, 7: {**VENDORS[7], "address": "東京都港区芝2-2"}}
    current = ocds.releases(process(tender={**process().tender, "title": "PC（訂正）"}, vendors=moved))
    new = ocds.to_publish(published, current, later)
    assert [(ocds.event_of(r), r["tag"]) for r in new] == [
        ("tender", ["tenderAmendment"]), ("opening", ["tenderUpdate"]), ("award", ["awardUpdate"]),
        ("contract-31", ["contractUpdate"]), ("contract-31-amendment-1", ["contractAmendment"])]
    assert all(r["date"] == later.isoformat() for r in new)  # told when published, after what they update
    (amendment,) = new[0]["tender"]["amendments"]
    assert amendment["amendsReleaseID"] == published[0]["id"] and amendment["releaseID"] == new[0]["id"]
    assert amendment["description"] == "公告の変更: 件名"
    assert ocds.to_publish(published + new, current, later + timedelta(days=1)) == []
    kept = sorted(published + new, key=lambda r: r["date"])
    assert errors(package(kept)) == [] and strict_errors(package(kept)) == []
    compiled = ocds.record(kept)["compiledRelease"]
    assert compiled["tender"]["title"] == "PC（訂正）"
    assert next(p for p in compiled["parties"] if p["id"] == "vendor-7")["address"]["streetAddress"] == "東京都港区芝2-2"


def test_a_first_publication_keeps_the_event_dates():
    current = ocds.releases(process())
    assert ocds.to_publish([], current, T0 + timedelta(days=400)) == current

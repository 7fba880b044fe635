"""A PC tender through its lifecycle with three wards and three vendors: demand, sealed bids
(unreadable before opening, even straight from the database), opening, evaluation, award."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from tests.catalog_data import user
from tests.helpers import open_witnessed, unit_of_work

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)
OPENS, CLOSES, OPENING = T0 + timedelta(days=10), T0 + timedelta(days=17), T0 + timedelta(days=18)
CONTRACT_STARTS, CONTRACT_ENDS = date(2027, 1, 4), date(2028, 3, 31)
OPTIONS = [{"code": "mem16", "name": "メモリ16GB"}, {"code": "office", "name": "Officeライセンス"},
           {"code": "warranty", "name": "延長保証5年"}]


def ward_user(app, code, email):
    from procure.extensions import db
    from procure.models import Role, User, Ward

    ward = db.session.scalar(select(Ward).filter_by(code=code))
    found = db.session.scalar(select(User).filter_by(email=email))
    if found:
        return found
    made = User(email=email, name="調達 担当", role=Role.WARD_STAFF, ward_id=ward.id)
    made.set_password("demo-password")
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def tender(app):
    from tenders import service

    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "pc", "令和9年度 標準PC共同調達", OPENS, CLOSES, OPENING,
                                  Decimal("40000000"), qualification="designated_ward",
                                  designated_ward_id=user("staff@shibuya.example.jp").ward_id,
                                  contract_starts=CONTRACT_STARTS, contract_ends=CONTRACT_ENDS)
        service.add_pattern(office, t.id, "std", "標準ノート", OPTIONS)
        service.add_pattern(office, t.id, "hi", "高性能ノート", OPTIONS)
        service.move(office, t.id, "open_demand", T0)
        demand = {"131130": [{"pattern": "std", "options": ["mem16", "office"], "quantity": 100},
                             {"pattern": "hi", "options": ["warranty"], "quantity": 10}],
                  "131121": [{"pattern": "std", "options": ["office"], "quantity": 80, "lease_months": 60}],
                  "131016": [{"pattern": "std", "options": [], "quantity": 20}]}
        for code, lines in demand.items():
            staff = ward_user(app, code, f"tender-{code}@example.jp")
            service.join(staff, t.id, T0)
            service.enter_pc_demand(staff, t.id, lines, T0)
        service.move(office, t.id, "publish", T0)
        service.move(office, t.id, "open_bidding", OPENS)
        return t.id


def bid(std, hi, mem=8000, office=30000, warranty=12000, lease=2500, lease_office=800):
    return {"patterns": {"std": str(std), "hi": str(hi)},
            "options": {f"{p}:{o}": str(v) for p in ("std", "hi")
                        for o, v in (("mem16", mem), ("office", office), ("warranty", warranty))},
            "lease_monthly": {"std": str(lease), "hi": "4000"},
            "lease_options_monthly": {f"std:{o}": str(lease_office) for o in ("mem16", "office", "warranty")}}


def test_pc_tender_sealed_bids_opening_and_award(app, tender):
    from procure.extensions import db
    from tenders import service
    from tenders.models import Award, Bid, Tender

    with unit_of_work(app):
        bunguya, pc, denki = (user(e) for e in ("vendor@bunguya.example.jp", "vendor@pc.example.jp",
                                                "vendor@denki.example.jp"))
        with pytest.raises(service.TenderError, match="入札期間外"):
            service.submit_bid(pc, tender, bid(95000, 150000), OPENS - timedelta(seconds=1))
        first = service.submit_bid(pc, tender, bid(99000, 150000), OPENS + timedelta(hours=1))
        final = service.submit_bid(pc, tender, bid(95000, 150000), OPENS + timedelta(hours=2))
        service.submit_bid(bunguya, tender, bid(97000, 149000), OPENS + timedelta(hours=3))
        service.submit_bid(denki, tender, bid(90000, 140000), OPENS + timedelta(hours=4))
        assert len(final.receipt) == 64 and first.receipt != final.receipt
        with pytest.raises(service.TenderError, match="入札期間外"):
            service.submit_bid(pc, tender, bid(1, 1), CLOSES)
        # Before opening nobody reads a bid: not the office through the app, not a database dump.
        with pytest.raises(service.TenderError, match="開札前"):
            service.read_bid(final, db.session.get(Tender, tender), OPENING)
        raw = b"".join(bytes(row[0]) for row in db.session.execute(text("SELECT sealed FROM bid")))
        assert b"95000" not in raw and b"patterns" not in raw
        office = user("office@example.jp")
        with pytest.raises(service.TenderError, match="開札日時前"):
            open_witnessed(office, tender, OPENING - timedelta(minutes=1))
        open_witnessed(office, tender, OPENING)
        bids = {b.vendor.name: b.evaluation()
                for b in db.session.scalars(select(Bid).filter_by(tender_id=tender, status="active"))}
        assert db.session.get(Bid, first.id).status == "replaced"
        # Evaluated prices checked by hand: 100 std+mem16+office, 10 hi+warranty, 80 std leased 60 months
        # with office, 20 std.
        expected = 100 * (95000 + 8000 + 30000) + 10 * (150000 + 12000) + 80 * (2500 + 800) * 60 + 20 * 95000
        assert bids["東京ピーシーソリューションズ株式会社"].evaluated_price == expected
        # 首都グリーン電力 is not qualified in the designated ward: invalid, with the reason kept.
        electric = bids["首都グリーン電力株式会社"]
        assert electric.valid is False and "指定区" in electric.invalid_reasons[0]
        (result,) = service.award(office, tender, OPENING + timedelta(hours=1))
        cheapest = min((b for b in bids.values() if b.valid), key=lambda b: b.evaluated_price)
        assert result.vendor_id == cheapest.bid.vendor_id and result.price == cheapest.evaluated_price
        assert result.award_rate == (cheapest.evaluated_price / Decimal(40000000)).quantize(Decimal("0.0001"))
        assert db.session.get(Tender, tender).status == "awarded"
        assert db.session.get(Tender, tender).ceiling_price == Decimal(40000000)
        assert db.session.scalar(select(Award.id)) is not None


def test_ward_contracts_add_up_to_the_award_and_change_within_tolerance(app, tender):
    from procure.extensions import db
    from tenders import service
    from tenders.models import Award, Contract

    with unit_of_work(app):
        for email, std in (("vendor@pc.example.jp", 95000), ("vendor@bunguya.example.jp", 97000)):
            service.submit_bid(user(email), tender, bid(std, 150000), OPENS + timedelta(hours=1))
        office = user("office@example.jp")
        open_witnessed(office, tender, OPENING)
        (award_row,) = service.award(office, tender, OPENING)
        made = service.make_contracts(office, tender, OPENING + timedelta(days=1))
        assert len(made) == 3
        assert sum(c.amount for c in made) == award_row.price == db.session.scalar(select(Award.price))
        shibuya = next(c for c in made if c.ward.code == "131130")
        assert shibuya.amount == 100 * (95000 + 8000 + 30000) + 10 * (150000 + 12000)
        staff = ward_user(app, "131130", "tender-131130@example.jp")
        index = next(i for i, l in enumerate(shibuya.lines) if l["pattern"] == "std")
        with pytest.raises(service.TenderError, match="±10"):
            service.change_contract_quantity(staff, shibuya.id, index, 111, OPENING + timedelta(days=2), "増員")
        with pytest.raises(service.TenderError, match="変更理由"):
            service.change_contract_quantity(staff, shibuya.id, index, 110, OPENING + timedelta(days=2), "  ")
        changed = service.change_contract_quantity(staff, shibuya.id, index, 110, OPENING + timedelta(days=2),
                                                   "新規採用職員の増加")
        assert changed.amount == 110 * (95000 + 8000 + 30000) + 10 * (150000 + 12000)
        (amendment,) = changed.amendments
        assert (amendment.from_quantity, amendment.to_quantity, amendment.rationale) == (100, 110, "新規採用職員の増加")
        assert amendment.amount_before == 100 * (95000 + 8000 + 30000) + 10 * (150000 + 12000)
        assert amendment.amount_after == changed.amount and amendment.item.startswith("std")
        other = ward_user(app, "131121", "tender-131121@example.jp")
        with pytest.raises(service.TenderError, match="見つかりません"):
            service.change_contract_quantity(other, shibuya.id, index, 100, OPENING + timedelta(days=2), "減")
        assert db.session.scalar(select(Contract).filter_by(id=shibuya.id)).lines[index]["awarded_quantity"] == 100
    _published_with_the_amendment(app, tender, shibuya.id)


def _published_with_the_amendment(app, tender_id, contract_id):
    """OCDS: the contract's signing and its amendment are releases of their own; the compiled
    release has the amended value, the amendment with its rationale, and the contract period."""
    from tests.official.ocds import record_errors, strict_errors

    package = app.test_client().get(f"/tenders/{tender_id}/ocds.json").get_json()
    tags = [r["tag"] for r in package["releases"]]
    assert tags.count(["contract"]) == 3 and tags.count(["contractAmendment"]) == 1
    amended = next(r for r in package["releases"] if r["tag"] == ["contractAmendment"])
    signed = next(r for r in package["releases"] if r["tag"] == ["contract"]
                  and r["contracts"][0]["id"].endswith(f"-contract-{contract_id}"))
    assert signed["contracts"][0]["value"]["amount"] == 100 * (95000 + 8000 + 30000) + 10 * (150000 + 12000)
    (change,) = amended["contracts"][0]["amendments"]
    assert change["rationale"] == "新規採用職員の増加" and change["amendsReleaseID"] == signed["id"]
    assert change["releaseID"] == amended["id"] and "100 → 110" in change["description"]
    records = app.test_client().get(f"/tenders/{tender_id}/ocds/record.json").get_json()
    assert record_errors(records) == [] and strict_errors(records) == [] and strict_errors(package) == []
    compiled = next(c for c in records["records"][0]["compiledRelease"]["contracts"]
                    if c["id"].endswith(f"-contract-{contract_id}"))
    assert compiled["value"]["amount"] == 110 * (95000 + 8000 + 30000) + 10 * (150000 + 12000)
    assert [a["rationale"] for a in compiled["amendments"]] == ["新規採用職員の増加"]
    assert compiled["period"] == {"startDate": "2027-01-04T00:00:00+09:00", "endDate": "2028-03-31T23:59:59+09:00"}
    assert compiled["buyer"]["name"] == "渋谷区" and compiled["dateSigned"]


def test_pc_contract_deliveries_are_inspected_and_invoiced(app, tender):
    from deliveries.inspection import InspectionEntry
    from deliveries.services import inspect_delivery
    from invoicing import service as invoicing
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from procure.models import Facility, Ward
    from tenders import service

    with unit_of_work(app):
        contracts = contracted(tender)
        shibuya = next(c for c in contracts if c.ward.code == "131130")
        std = next(i for i, l in enumerate(shibuya.lines) if l["pattern"] == "std")
        vendor = user("vendor@pc.example.jp")
        site = db.session.scalar(select(Facility.id).filter_by(ward_id=shibuya.ward_id))
        last = today_in_tokyo().replace(day=1) - timedelta(days=1)
        with pytest.raises(service.TenderError, match="1〜100"):
            service.deliver_contract(vendor, shibuya.id, "PC-1", last, site, {std: 101})
        delivery = service.deliver_contract(vendor, shibuya.id, "PC-1", last, site, {std: 60})
        inspector = user("inspector@shibuya.example.jp")
        inspect_delivery(inspector, delivery.id, [InspectionEntry(delivery.lines[0].id, 58, 2, "初期不良")])
        ward = db.session.scalar(select(Ward).filter_by(code="131130"))
        (invoice,) = invoicing.generate_invoice(vendor.vendor, ward, last.year, last.month, vendor, today_in_tokyo())
        (line,) = invoice.lines
        assert (line.quantity, line.unit_price, line.amount) == (58, Decimal(133000), Decimal(58 * 133000))
        assert invoice.status == "payable" and line.matched
        assert invoicing.generate_invoice(vendor.vendor, ward, last.year, last.month, vendor, today_in_tokyo()) == []


def test_leased_pcs_are_billed_monthly_during_their_term(app, tender):
    from deliveries.inspection import InspectionEntry
    from deliveries.services import inspect_delivery
    from invoicing import service as invoicing
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from procure.models import Facility, Ward
    from tenders import service

    with unit_of_work(app):
        service.submit_bid(user("vendor@pc.example.jp"), tender, bid(95000, 150000), OPENS + timedelta(hours=1))
        office = user("office@example.jp")
        open_witnessed(office, tender, OPENING)
        service.award(office, tender, OPENING)
        contracts = service.make_contracts(office, tender, OPENING)
        setagaya = next(c for c in contracts if c.ward.code == "131121")  # 80 units leased 60 months
        (index,) = [i for i, l in enumerate(setagaya.lines) if l.get("lease_months") == 60]
        vendor = user("vendor@pc.example.jp")
        site = db.session.scalar(select(Facility.id).filter_by(ward_id=setagaya.ward_id))
        first = today_in_tokyo().replace(day=1)
        two_months_ago = (first - timedelta(days=1)).replace(day=1) - timedelta(days=1)
        delivery = service.deliver_contract(vendor, setagaya.id, "L-1", two_months_ago, site, {index: 80})
        inspector = inspector_for(app, "131121")
        inspect_delivery(inspector, delivery.id, [InspectionEntry(delivery.lines[0].id, 80, 0, None)])
        ward = db.session.scalar(select(Ward).filter_by(code="131121"))
        monthly = Decimal(2500 + 800)
        for day in (two_months_ago, first - timedelta(days=1)):  # each month of the term bills once
            (invoice,) = invoicing.generate_invoice(vendor.vendor, ward, day.year, day.month, vendor, today_in_tokyo())
            (line,) = invoice.lines
            assert (line.quantity, line.unit_price, line.amount) == (80, monthly, 80 * monthly)
            assert invoice.status == "payable"
            assert invoicing.generate_invoice(vendor.vendor, ward, day.year, day.month, vendor, today_in_tokyo()) == []
        from invoicing.models import BilledUnits

        months = db.session.scalars(select(BilledUnits).filter_by(kind="lease_month", ref_id=setagaya.id)).all()
        assert sorted((m.period % 12 + 1, m.billed, m.accepted) for m in months) == sorted(
            (day.month, 80, 80) for day in (two_months_ago, first - timedelta(days=1)))  # each month paid once


def inspector_for(app, code):
    from procure.extensions import db
    from procure.models import Role, User, Ward

    ward = db.session.scalar(select(Ward).filter_by(code=code))
    inspector = User(email=f"insp-{code}@example.jp", name="検収", role=Role.WARD_INSPECTOR, ward_id=ward.id)
    inspector.set_password("demo-password")
    db.session.add(inspector)
    db.session.commit()
    return inspector


def test_generic_tender_for_stockpile_food(app):
    from procure.extensions import db
    from tenders import service

    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "generic", "災害備蓄食料（アルファ化米）", OPENS, CLOSES, OPENING, None)
        with pytest.raises(service.TenderError, match="税率"):
            service.add_pattern(office, t.id, "rice", "アルファ化米 50食入", [], unit="箱", tax_rate=Decimal("0.05"))
        with pytest.raises(service.TenderError, match="CPV コードは 8 桁"):
            service.add_pattern(office, t.id, "rice", "アルファ化米 50食入", [], unit="箱", tax_rate=Decimal("0.08"),
                                cpv="1561")
        service.add_pattern(office, t.id, "rice", "アルファ化米 50食入", [], unit="箱", tax_rate=Decimal("0.08"),
                            cpv="１５６１４０００－５")  # full-width, with the check digit
        service.add_pattern(office, t.id, "water", "保存水 2L×6本", [], unit="ケース", tax_rate=Decimal("0.08"))
        service.move(office, t.id, "open_demand", T0)
        for code, lines in {"131130": [{"pattern": "rice", "quantity": 300}, {"pattern": "water", "quantity": 500}],
                            "131121": [{"pattern": "rice", "quantity": 200}]}.items():
            staff = ward_user(app, code, f"g-{code}@example.jp")
            service.join(staff, t.id, T0)
            service.enter_pc_demand(staff, t.id, lines, T0)
        for action in ("publish", "open_bidding"):
            service.move(office, t.id, action, OPENS)
        service.submit_bid(user("vendor@bunguya.example.jp"), t.id,
                           {"patterns": {"rice": "11000", "water": "1100"}}, OPENS)
        open_witnessed(office, t.id, OPENING)
        (award,) = service.award(office, t.id, OPENING)
        assert award.price == 500 * 11000 + 500 * 1100
        made = service.make_contracts(office, t.id, OPENING)
        assert {c.ward.code: c.amount for c in made} == {"131130": 300 * 11000 + 500 * 1100, "131121": 200 * 11000}
        tender_id = t.id
        release = app.test_client().get(f"/tenders/{tender_id}/ocds.json").get_json()["releases"][0]
        items = {item["id"]: item for item in release["tender"]["items"]}
        assert items["rice"]["classification"] == {"scheme": "CPV", "id": "15614000"}
        assert "classification" not in items["water"]  # none given, and generic goods have no default
        # Food is invoiced at the reduced rate (8%), in its own unit, under its name.
        from deliveries.inspection import InspectionEntry
        from deliveries.services import inspect_delivery
        from invoicing import service as invoicing
        from procure.formatting import today_in_tokyo
        from procure.models import Facility, Ward

        shibuya = next(c for c in made if c.ward.code == "131130")
        vendor = user("vendor@bunguya.example.jp")
        last = today_in_tokyo().replace(day=1) - timedelta(days=1)
        site = db.session.scalar(select(Facility.id).filter_by(ward_id=shibuya.ward_id))
        delivery = service.deliver_contract(vendor, shibuya.id, "F-1", last, site, {0: 300, 1: 500})
        inspect_delivery(user("inspector@shibuya.example.jp"), delivery.id,
                         [InspectionEntry(line.id, line.quantity, 0, None) for line in delivery.lines])
        ward = db.session.get(Ward, shibuya.ward_id)
        (invoice,) = invoicing.generate_invoice(vendor.vendor, ward, last.year, last.month, vendor, today_in_tokyo())
        assert [(line.unit, line.tax_rate) for line in invoice.lines] == [("箱", Decimal("0.08")),
                                                                          ("ケース", Decimal("0.08"))]
        assert "アルファ化米 50食入" in invoice.lines[0].description
        assert invoice.amount_reduced == 300 * 11000 + 500 * 1100 and invoice.amount_standard == 0
        assert invoice.tax_reduced == (Decimal(300 * 11000 + 500 * 1100) * Decimal("0.08")).quantize(Decimal(1))


def test_volume_tiers_reached_by_the_pooled_purchases_price_the_award_and_every_contract(app, tender):
    from tenders import service

    with unit_of_work(app):
        tiered = {**bid(95000, 150000), "volume_prices": {"std": [["100", "93000"], ["1000", "90000"]]}}
        with pytest.raises(service.TenderError, match="前の段階の単価"):
            service.submit_bid(user("vendor@pc.example.jp"), tender,
                               {**tiered, "volume_prices": {"std": [["100", "96000"]]}}, OPENS)
        service.submit_bid(user("vendor@pc.example.jp"), tender, tiered, OPENS)
        office = user("office@example.jp")
        open_witnessed(office, tender, OPENING)
        (award,) = service.award(office, tender, OPENING)
        # Purchased standard notebooks: 100 (渋谷区) + 20 (千代田区) = 120, so tier 100 applies to
        # both; 世田谷区's 80 leased units are priced by their monthly rate.
        expected = 100 * (93000 + 8000 + 30000) + 10 * (150000 + 12000) + 80 * (2500 + 800) * 60 + 20 * 93000
        assert award.price == expected
        made = service.make_contracts(office, tender, OPENING)
        assert sum(c.amount for c in made) == expected
        chiyoda = next(c for c in made if c.ward.code == "131016")
        assert chiyoda.lines == [{"pattern": "std", "options": [], "lease_months": None, "quantity": 20,
                                  "pricing": {"group": 1, "group_quantity": 120, "pattern_unit_price": "93000"},
                                  "unit_price": "93000", "amount": "1860000", "name": "標準ノート", "unit": "台",
                                  "tax_rate": "0.10"}]


def test_a_bid_missing_a_price_the_demand_needs_is_refused_at_submission(app, tender):
    from procure.extensions import db
    from tenders import service
    from tenders.models import Bid

    with unit_of_work(app):
        incomplete = bid(95000, 150000)
        del incomplete["patterns"]["hi"], incomplete["lease_monthly"]["std"]
        with pytest.raises(service.TenderError) as refused:
            service.submit_bid(user("vendor@pc.example.jp"), tender, incomplete, OPENS)
        assert str(refused.value) == "機種 の価格がありません: hi"
        assert db.session.scalar(select(Bid.id)) is None


def test_a_tampered_or_unreadable_bid_is_recorded_invalid_and_the_opening_goes_on(app, tender):
    """Someone with database access swaps one sealed bid for another vendor's (valid under the
    tender key, but not what the receipt hashed) and corrupts a third: both are caught at opening."""
    from procure.extensions import db
    from tenders import service
    from tenders.models import Bid

    with unit_of_work(app):
        pc = service.submit_bid(user("vendor@pc.example.jp"), tender, bid(95000, 150000), OPENS)
        bunguya = service.submit_bid(user("vendor@bunguya.example.jp"), tender, bid(90000, 140000), OPENS)
        denki = service.submit_bid(user("vendor@denki.example.jp"), tender, bid(99000, 150000), OPENS)
        db.session.execute(update(Bid).where(Bid.id == pc.id).values(sealed=bunguya.sealed))
        db.session.execute(update(Bid).where(Bid.id == denki.id).values(sealed=b"not a sealed bid"))
        db.session.commit()
        office = user("office@example.jp")
        open_witnessed(office, tender, OPENING)
        results = {b.id: b.evaluation() for b in db.session.scalars(select(Bid))}
        assert results[pc.id].valid is False and "改ざんの疑い" in results[pc.id].invalid_reasons[0]
        assert results[denki.id].valid is False and "復号できません" in results[denki.id].invalid_reasons[0]
        assert results[bunguya.id].valid is True
        (award,) = service.award(office, tender, OPENING)
        assert award.vendor_id == bunguya.vendor_id


def test_a_ward_joins_a_later_round_of_demand_collection(app):
    from tenders import service

    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "pc", "PC 追加募集", OPENS, CLOSES, OPENING, None)
        service.move(office, t.id, "open_demand", T0)
        first = service.join(ward_user(app, "131130", "r-131130@example.jp"), t.id, T0)
        with pytest.raises(service.TenderError, match="権限"):
            service.open_next_round(ward_user(app, "131121", "r-131121@example.jp"), t.id, T0)
        assert service.open_next_round(office, t.id, T0).demand_round == 2
        later = service.join(ward_user(app, "131121", "r-131121@example.jp"), t.id, T0)
        assert (first.round, later.round) == (1, 2)
        assert service.join(ward_user(app, "131130", "r-131130@example.jp"), t.id, T0).round == 1  # already in
        service.move(office, t.id, "publish", T0)
        with pytest.raises(service.TenderError, match="状態"):
            service.open_next_round(office, t.id, T0)


def test_the_service_itself_refuses_the_wrong_side_of_the_tender(app, tender):
    """Pages check roles first; the use cases check again, from the user's own role."""
    from tenders import service

    with unit_of_work(app):
        office, staff = user("office@example.jp"), user("staff@shibuya.example.jp")
        with pytest.raises(service.TenderError, match="権限"):
            service.submit_bid(staff, tender, bid(1, 1), OPENS)
        with pytest.raises(service.TenderError, match="権限"):
            service.submit_bid(office, tender, bid(1, 1), OPENS)
        with pytest.raises(service.TenderError, match="共同調達組織だけ"):
            service.move(staff, tender, "cancel", OPENS)


def test_the_opening_record_lists_every_receipt_and_the_nonce_is_never_stored_in_clear(app, client, login):
    """The vendor is shown its receipt and nonce once; neither the database nor the audit log holds
    the nonce in clear; after opening the public 開札調書 lists the bid's receipt, matched."""
    import re
    import time

    from procure.dbtypes import utcnow
    from tests.functional.test_concurrency import _open_tender
    from tests.helpers import csrf_token

    tender_id = _open_tender(app, opening_in=timedelta(seconds=3))
    login("vendor@bunguya.example.jp")
    page = f"/vendor/tenders/{tender_id}"
    shown = client.post(page, data={"csrf_token": csrf_token(client, page), "patterns:rice": "11000"}
                        ).get_data(as_text=True)
    receipt, nonce = re.search(r"受付番号（ハッシュ）: ([0-9a-f]{64}).*?: ([0-9a-f]{64})", shown, re.S).groups()
    dump = "".join(str(row) for table in ("bid", "audit_log") for row in db_rows(app, table))
    # The price in clear would stand alone ("11000", 11000.0000); inside a hash, a ciphertext or a
    # timestamp's microseconds the same digits may turn up by chance (1 run in about a thousand).
    assert receipt in dump and nonce not in dump and not re.search(r"(?<![0-9A-Za-z])11000(?![0-9A-Za-z])", dump)
    assert client.get(f"/tenders/{tender_id}/opening-record").status_code == 404  # not before opening
    time.sleep(3.1)
    with unit_of_work(app):
        open_witnessed(user("office@example.jp"), tender_id, utcnow())
    record = client.get(f"/tenders/{tender_id}/opening-record").get_data(as_text=True)
    assert receipt in record and "一致" in record and "株式会社文具屋" in record and nonce not in record
    assert "開札者: 共同調達 太郎" in record and "立会人: 共同調達 立会 次郎" in record


def db_rows(app, table):
    from procure.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return list(conn.execute(text(f"SELECT * FROM {table}")))


def contracted(tender_id: int, signed=OPENING) -> list:
    """The tender with one bid (東京ピーシー), opened, awarded and its ward contracts made."""
    from tenders import service

    service.submit_bid(user("vendor@pc.example.jp"), tender_id, bid(95000, 150000), OPENS + timedelta(hours=1))
    office = user("office@example.jp")
    open_witnessed(office, tender_id, OPENING)
    service.award(office, tender_id, OPENING)
    return service.make_contracts(office, tender_id, signed)


def test_a_ward_changes_a_contract_on_its_page_with_a_reason_and_the_contract_shows_it(app, tender):
    from tests.helpers import csrf_token, pdf_text, sign_in

    with unit_of_work(app):
        made = contracted(tender, OPENING + timedelta(days=1))
        shibuya = next(c for c in made if c.ward.code == "131130")
        contract_id, index = shibuya.id, next(i for i, l in enumerate(shibuya.lines) if l["pattern"] == "std")
        ward_user(app, "131130", "tender-131130@example.jp")
    client = app.test_client()
    sign_in(client, "tender-131130@example.jp")
    page = f"/ward/tenders/{tender}"
    form = {"action": "change", "contract_id": contract_id, "line": index, "quantity": "１０５", "rationale": " "}
    refused = client.post(page, data={**form, "csrf_token": csrf_token(client, page)})
    assert "変更理由を入力してください" in refused.get_data(as_text=True)
    too_many = client.post(page, data={**form, "quantity": "２００", "rationale": "増員",
                                       "csrf_token": csrf_token(client, page)}).get_data(as_text=True)
    assert "±10%" in too_many and 'value="２００"' in too_many and 'value="増員"' in too_many  # nothing typed is lost
    done = client.post(page, data={**form, "rationale": "新規採用職員の増加", "csrf_token": csrf_token(client, page)})
    assert done.status_code == 302
    shown = client.get(page).get_data(as_text=True)
    assert "契約変更の履歴" in shown and "新規採用職員の増加" in shown
    document = client.get(f"/tender-contracts/{contract_id}/contract.pdf")
    assert document.status_code == 200
    text = pdf_text(document.data)
    for expected in ("契約期間", "令和9年1月4日から令和10年3月31日まで", "契約変更の履歴", "新規採用職員の増加"):
        assert expected in text, expected


def test_purchases_and_leases_are_held_to_their_own_small_amount_limits_and_demand(app):
    """別表第5 counts 買入れ (1.5M yen) and 借入れ (0.8M yen) apart: a PC tender that may lease is held
    to the lease limit too; a tender that only buys (or only leases) takes only such demand lines."""
    from tenders import service

    small = {"procurement_method": "limited", "procurement_ground": "令167の2①一"}
    with unit_of_work(app):
        office = user("office@example.jp")
        with pytest.raises(service.TenderError, match="物件の借入れの少額随意契約の限度額 800,000 円"):
            service.create_tender(office, "pc", "PC 少額", OPENS, CLOSES, OPENING, Decimal(1_000_000), **small)
        with pytest.raises(service.TenderError, match="購入・リースの別を一覧から"):
            service.create_tender(office, "pc", "PC", OPENS, CLOSES, OPENING, None, leasing="rent")
        bought = service.create_tender(office, "pc", "PC 少額 購入のみ", OPENS, CLOSES, OPENING, Decimal(1_000_000),
                                       leasing="no", **small)
        leased = service.create_tender(office, "pc", "PC リースのみ", OPENS, CLOSES, OPENING, None, leasing="only")
        for t in (bought, leased):
            service.add_pattern(office, t.id, "std", "標準ノート", [])
            service.move(office, t.id, "open_demand", T0)
        staff = ward_user(app, "131130", "lease-131130@example.jp")
        for t in (bought, leased):
            service.join(staff, t.id, T0)
        with pytest.raises(service.TenderError, match="1行目: この案件は購入のみです"):
            service.enter_pc_demand(staff, bought.id, [{"pattern": "std", "quantity": 5, "lease_months": 48}], T0)
        with pytest.raises(service.TenderError, match="1行目: この案件はリースのみです"):
            service.enter_pc_demand(staff, leased.id, [{"pattern": "std", "quantity": 5}], T0)
        service.enter_pc_demand(staff, bought.id, [{"pattern": "std", "quantity": 5}], T0)
        service.enter_pc_demand(staff, leased.id, [{"pattern": "std", "quantity": 5, "lease_months": 48}], T0)

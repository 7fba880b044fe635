"""Seed 004's three rounds of pooled buying of pre-printed forms (プレ印刷帳票), end to end through
real tenders: the same four towns (here four wards), bid as volume-tier schedules, priced by the
tender's pricing policy. The ward contracts equal the seed's figures."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.catalog_data import user
from tests.functional.test_tender_flow import ward_user
from tests.helpers import open_witnessed, unit_of_work

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)
OPENS, CLOSES, OPENING = T0 + timedelta(days=10), T0 + timedelta(days=17), T0 + timedelta(days=18)
A, B, C, D = "131121", "131130", "131041", "131016"  # 世田谷区, 渋谷区, 新宿区, 千代田区
VENDOR, OTHER_VENDOR = "vendor@bunguya.example.jp", "vendor@pc.example.jp"


def forms_tender(app, quantities: dict[str, int], policy=None, title="プレ印刷帳票（連続帳票）"):
    from tenders import service
    from procure.pricing.policy import PricingPolicy

    office = user("office@example.jp")
    t = service.create_tender(office, "generic", title, OPENS, CLOSES, OPENING, None, qualification="designated_ward",
                              designated_ward_id=user("staff@shibuya.example.jp").ward_id)
    service.add_pattern(office, t.id, "form", "連続帳票 A4", [], unit="枚")
    if policy is not None:
        service.set_pricing_policy(office, t.id, PricingPolicy(**policy))
    service.move(office, t.id, "open_demand", T0)
    for code, quantity in quantities.items():
        staff = ward_user(app, code, f"forms-{code}@example.jp")
        service.join(staff, t.id, T0)
        service.enter_pc_demand(staff, t.id, [{"pattern": "form", "quantity": quantity}], T0)
    for action in ("publish", "open_bidding"):
        service.move(office, t.id, action, OPENS)
    return t.id


def schedule(base: str, *tiers: tuple[int, str]) -> dict:
    return {"patterns": {"form": base}, "volume_prices": {"form": [[str(q), p] for q, p in tiers]}}


def awarded_contracts(tender_id):
    from tenders import service

    office = user("office@example.jp")
    open_witnessed(office, tender_id, OPENING)
    awards = service.award(office, tender_id, OPENING)
    made = service.make_contracts(office, tender_id, OPENING)
    return awards, {c.ward.code: c for c in made}


def test_round_1_one_pooled_price(app):
    """全団体共通単価: every town at the tier all 65,500 sheets reach together (¥3.5)."""
    with unit_of_work(app):
        t = forms_tender(app, {A: 50000, B: 10000, C: 5000, D: 500}, {"mode": "pooled"})
        from tenders import service

        service.submit_bid(user(VENDOR), t, schedule("25.0", (5000, "12.0"), (10000, "8.0"), (50000, "3.5")), OPENS)
        (award,), contracts = awarded_contracts(t)
        assert {w: c.amount for w, c in contracts.items()} == {A: 175000, B: 35000, C: 17500, D: 1750}
        assert award.price == 229250
        assert {c.lines[0]["unit_price"] for c in contracts.values()} == {"3.5"}


def test_round_2_individual_prices(app):
    """全団体個別単価: each town at the tier of its own quantity."""
    with unit_of_work(app):
        t = forms_tender(app, {A: 50000, B: 10000, C: 1000, D: 500}, {"mode": "individual"})
        from tenders import service

        service.submit_bid(user(VENDOR), t, schedule("20.0", (1000, "12.0"), (10000, "6.0"), (50000, "2.8")), OPENS)
        _, contracts = awarded_contracts(t)
        assert {w: c.amount for w, c in contracts.items()} == {A: 140000, B: 60000, C: 12000, D: 10000}
        assert [contracts[w].lines[0]["pricing"]["group_quantity"] for w in (A, B, C, D)] == [50000, 10000, 1000, 500]


def test_round_3_prices_by_group_of_at_most_three(app):
    """グループ別単価: at most 3 groups by planned quantity; C and D together reach ¥13.0."""
    with unit_of_work(app):
        t = forms_tender(app, {A: 50000, B: 10000, C: 1000, D: 500}, {"mode": "grouped", "max_groups": 3})
        from tenders import service

        service.submit_bid(user(VENDOR), t, schedule("20.0", (1500, "13.0"), (10000, "6.0"), (50000, "3.0")), OPENS)
        _, contracts = awarded_contracts(t)
        assert {w: c.amount for w, c in contracts.items()} == {A: 150000, B: 60000, C: 13000, D: 6500}
        pricing = {w: c.lines[0]["pricing"] for w, c in contracts.items()}
        assert pricing[C]["group"] == pricing[D]["group"] == 1 and pricing[C]["group_quantity"] == 1500
        assert (pricing[B]["group"], pricing[A]["group"]) == (2, 3)
        # The savings ledger: against the winner's schedule at each ward's quantity alone, C (1,000
        # sheets, ¥20 alone) and D (500) save by being grouped; A and B reach their tier alone.
        from procure.extensions import db
        from savings.models import SavingsEntry
        from sqlalchemy import select

        saved = {e.ward.code: (e.reference_amount, e.paid_amount, e.saving)
                 for e in db.session.scalars(select(SavingsEntry).filter_by(source="tender_contract"))}
        assert saved == {A: (150000, 150000, 0), B: (60000, 60000, 0), C: (20000, 13000, 7000),
                         D: (10000, 6500, 3500)}


@pytest.mark.parametrize("policy, winner", [({"mode": "pooled"}, VENDOR), ({"mode": "grouped"}, OTHER_VENDOR)])
def test_bids_are_compared_by_what_the_policy_would_charge(app, policy, winner):
    """A schedule cheap only at the whole pool's volume wins a pooled tender and loses a grouped one."""
    from procure.models import User
    from procure.extensions import db
    from sqlalchemy import select

    with unit_of_work(app):
        t = forms_tender(app, {A: 50000, B: 10000, C: 1000, D: 500}, policy)
        from tenders import service

        service.submit_bid(user(VENDOR), t, schedule("30.0", (60000, "2.9")), OPENS)
        service.submit_bid(user(OTHER_VENDOR), t, schedule("20.0", (1500, "13.0"), (10000, "6.0"), (50000, "3.0")),
                           OPENS)
        (award,), contracts = awarded_contracts(t)
        assert award.vendor_id == db.session.scalar(select(User.vendor_id).filter_by(email=winner))
        assert award.price == sum(c.amount for c in contracts.values())


def test_the_policy_is_fixed_once_bidding_opens(app):
    from tenders import service
    from procure.pricing.policy import PolicyError, PricingPolicy

    with unit_of_work(app):
        t = forms_tender(app, {A: 100, B: 200})
        with pytest.raises(service.TenderError, match="入札期間の開始前"):
            service.set_pricing_policy(user("office@example.jp"), t, PricingPolicy("grouped"))
    with pytest.raises(PolicyError, match="小さい順"):
        PricingPolicy("grouped", group_breaks=(5000, 1000))
    with pytest.raises(PolicyError):
        PricingPolicy("cheapest")


def test_the_office_sets_the_policy_on_the_tender_page_and_sees_who_pays_what(app, client, login):
    from tests.helpers import csrf_token
    from tenders import service
    from tenders.models import Tender
    from procure.extensions import db

    with unit_of_work(app):
        office = user("office@example.jp")
        t = service.create_tender(office, "generic", "連続帳票", OPENS, CLOSES, OPENING, None,
                                  qualification="designated_ward",
                                  designated_ward_id=user("staff@shibuya.example.jp").ward_id)
        service.add_pattern(office, t.id, "form", "連続帳票 A4", [], unit="枚")
        tender_id = t.id
    login("office@example.jp")
    page = f"/office/tenders/{tender_id}"
    refused = client.post(f"{page}/pricing-policy", data={"csrf_token": csrf_token(client, page), "mode": "grouped",
                                                         "group_breaks": "５０００、１０００", "rounding": "down"},
                          follow_redirects=True).get_data(as_text=True)
    assert "小さい順" in refused
    done = client.post(f"{page}/pricing-policy", data={"csrf_token": csrf_token(client, page), "mode": "grouped",
                                                      "group_breaks": "１５００、１００００", "rounding": "down"},
                       follow_redirects=True).get_data(as_text=True)
    assert "グループ別単価" in done and "区切り 1,500・10,000" in done
    with unit_of_work(app):
        assert db.session.get(Tender, tender_id).pricing_policy == {"mode": "grouped", "max_groups": 3,
                                                                   "group_breaks": [1500, 10000], "rounding": "down"}
        service.move(user("office@example.jp"), tender_id, "open_demand", T0)
        for code, quantity in {A: 50000, B: 10000, C: 1000, D: 500}.items():
            staff = ward_user(app, code, f"forms-{code}@example.jp")
            service.join(staff, tender_id, T0)
            service.enter_pc_demand(staff, tender_id, [{"pattern": "form", "quantity": quantity}], T0)
        for action in ("publish", "open_bidding"):
            service.move(user("office@example.jp"), tender_id, action, OPENS)
        service.submit_bid(user(VENDOR), tender_id, schedule("20.0", (1500, "13.0"), (10000, "6.0"), (50000, "3.0")),
                           OPENS)
        awarded_contracts(tender_id)
    html = client.get(page).get_data(as_text=True)
    assert "区別の単価と金額" in html and "¥13" in html and "¥6,500" in html
    assert 'name="mode"' not in html  # fixed once bidding has opened


def test_savings_dashboards_show_the_pooling_effect_and_export_it(app, client, login):
    import io

    from openpyxl import load_workbook

    from tests.helpers import sign_in

    with unit_of_work(app):
        t = forms_tender(app, {A: 50000, B: 10000, C: 1000, D: 500}, {"mode": "grouped"})
        from tenders import service

        service.submit_bid(user(VENDOR), t, schedule("20.0", (1500, "13.0"), (10000, "6.0"), (50000, "3.0")), OPENS)
        awarded_contracts(t)
    login("office@example.jp")
    html = client.get("/office/savings").get_data(as_text=True)
    assert "¥7,000" in html and "¥3,500" in html and "<svg" in html and "同じ単価表で自区の数量だけを買った場合" in html
    assert "運営費負担金" in html  # the demo's billed cost shares, netted from the totals
    assert "入札者数" in html and "連続帳票" in html.split("入札の結果")[-1]
    sheet = load_workbook(io.BytesIO(client.get("/office/savings.xlsx").data)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(row[1], row[7]) for row in rows if row[2] != "運営費負担金"].count(("新宿区", 7000)) == 1
    ward_client = app.test_client()
    sign_in(ward_client, "staff@shibuya.example.jp")
    mine = ward_client.get("/ward/savings").get_data(as_text=True)
    assert "¥60,000" in mine  # its own contract
    assert "新宿区" not in mine and "¥13,000" not in mine  # not another ward's


def test_the_policy_contracts_and_savings_are_readable_over_the_api(app, client):
    from tests.helpers import api_token

    with unit_of_work(app):
        t = forms_tender(app, {A: 50000, B: 10000, C: 1000, D: 500}, {"mode": "grouped"})
        from tenders import service

        service.submit_bid(user(VENDOR), t, schedule("20.0", (1500, "13.0"), (10000, "6.0"), (50000, "3.0")), OPENS)
        awarded_contracts(t)
    ward = {"Authorization": f"Bearer {api_token(client, 'staff@shibuya.example.jp')}"}
    policy = client.get(f"/api/v1/tenders/{t}/pricing-policy", headers=ward).get_json()
    assert policy["policies"][0]["policy"]["mode"] == "grouped"
    (mine,) = client.get(f"/api/v1/tender-contracts?tender_id={t}", headers=ward).get_json()["contracts"]
    assert (mine["ward_code"], mine["amount"]) == (B, "60000.0000")
    assert mine["lines"][0]["pricing"] == {"group": 2, "group_quantity": 10000, "pattern_unit_price": "6.0"}
    office = {"Authorization": f"Bearer {api_token(client, 'office@example.jp')}"}
    assert len(client.get(f"/api/v1/tender-contracts?tender_id={t}", headers=office).get_json()["contracts"]) == 4
    savings = client.get("/api/v1/savings", headers=office).get_json()["savings"]
    assert {s["ward_code"]: s["saving"] for s in savings if s["source"] == "tender_contract"} == {
        A: "0.0000", B: "0.0000", C: "7000.0000", D: "3500.0000"}
    assert client.get("/api/v1/savings", headers=ward).get_json()["savings"][0]["ward_code"] == B


def test_the_simulator_loads_a_tender_compares_policies_and_applies_one(app, client, login):
    from tests.helpers import csrf_token
    from tenders.models import Tender
    from procure.extensions import db

    with unit_of_work(app):
        from tenders import service

        office = user("office@example.jp")
        t = service.create_tender(office, "generic", "連続帳票（試算）", OPENS, CLOSES, OPENING, None)
        service.add_pattern(office, t.id, "form", "連続帳票 A4", [], unit="枚")
        service.move(office, t.id, "open_demand", T0)
        for code, quantity in {A: 50000, B: 10000, C: 1000, D: 500}.items():
            staff = ward_user(app, code, f"forms-{code}@example.jp")
            service.join(staff, t.id, T0)
            service.enter_pc_demand(staff, t.id, [{"pattern": "form", "quantity": quantity}], T0)
        tender_id = t.id
    login("office@example.jp")
    listing = client.get("/office/pricing/simulation").get_data(as_text=True)
    assert f"/office/tenders/{tender_id}/simulation?pattern=form" in listing
    page = f"/office/tenders/{tender_id}/simulation?pattern=form"
    html = client.get(page).get_data(as_text=True)
    assert "需要（購入分）を読み込みました" in html and "開札前のため" in html
    assert html.count("この決め方を入札に設定") == 3  # pooled, individual, grouped side by side
    client.post(f"/office/tenders/{tender_id}/pricing-policy", data={
        "csrf_token": csrf_token(client, page), "mode": "individual", "max_groups": "3", "group_breaks": "",
        "rounding": "down"})
    with unit_of_work(app):
        assert db.session.get(Tender, tender_id).pricing_policy["mode"] == "individual"
    missing = client.get(f"/office/tenders/{tender_id}/simulation?pattern=nothing").get_data(as_text=True)
    assert "品目のある入札と、その品目を選んでください" in missing


def test_each_ward_contract_prints_as_a_contract_for_its_ward_and_vendor(app, client, tmp_path):
    import subprocess

    from sqlalchemy import select

    from procure.extensions import db
    from tenders.models import Contract
    from tests.helpers import sign_in

    with unit_of_work(app):
        t = forms_tender(app, {A: 50000, B: 10000, C: 1000, D: 500}, {"mode": "grouped", "max_groups": 3})
        from tenders import service

        service.submit_bid(user(VENDOR), t, schedule("20.0", (1500, "13.0"), (10000, "6.0"), (50000, "3.0")), OPENS)
        awarded_contracts(t)
        contract_id = db.session.scalar(select(Contract.id).join(Contract.ward).where(Contract.tender_id == t)
                                        .filter_by(code=B))
    ward = app.test_client()
    sign_in(ward, "staff@shibuya.example.jp")
    response = ward.get(f"/tender-contracts/{contract_id}/contract.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "contract.pdf"
    path.write_bytes(response.data)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    for expected in ("契約書", "渋谷区", "一般競争入札", "¥60,000", "令和", "連続帳票"):
        assert expected in text, expected
    other = app.test_client()
    sign_in(other, "staff@setagaya.example.jp")
    assert other.get(f"/tender-contracts/{contract_id}/contract.pdf").status_code == 404

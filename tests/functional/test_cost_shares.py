"""The office's running costs shared 4:6 (equal : population) among the wards with a 30% minimum
saving against each ward's standalone amount (seed 004), billed per ward and explained line by
line; the shortfall of a protected ward is recovered from the others."""
import re
from decimal import Decimal

import pytest

from tests.catalog_data import user
from tests.functional.test_pricing_policies import A, B, C, D, OPENS, VENDOR, awarded_contracts, forms_tender, schedule
from tests.helpers import unit_of_work

FY = 2026  # the tenders' contracts are signed in December 2026


@pytest.fixture(autouse=True)
def no_demo_cost_shares(app):
    """The demo seeds cost shares for the current fiscal year (costshares.seed); these tests start
    their year empty."""
    from sqlalchemy import delete

    from costshares.models import CostShareBill, RunningCost, StandaloneReference
    from procure.extensions import db

    with unit_of_work(app):
        for model in (CostShareBill, RunningCost, StandaloneReference):
            db.session.execute(delete(model).where(model.fiscal_year == FY))
        db.session.commit()


def grouped_contracts(app):
    from tenders import service

    t = forms_tender(app, {A: 50000, B: 10000, C: 1000, D: 500}, {"mode": "grouped", "max_groups": 3})
    service.submit_bid(user(VENDOR), t, schedule("20.0", (1500, "13.0"), (10000, "6.0"), (50000, "3.0")), OPENS)
    awarded_contracts(t)  # A 150,000, B 60,000, C 13,000, D 6,500
    return t


def ward(code):
    from sqlalchemy import select

    from procure.extensions import db
    from procure.models import Ward

    return db.session.scalar(select(Ward).filter_by(code=code))


def test_four_six_shares_with_a_thirty_percent_guarantee_are_billed_and_explained(app):
    from costshares import service
    from costshares.sharing import DEFAULT_WEIGHTS

    with unit_of_work(app):
        office = user("office@example.jp")
        grouped_contracts(app)
        service.add_running_cost(office, FY, "組織運営費（人件費・システム）", Decimal(100000), DEFAULT_WEIGHTS)
        for code, amount in {A: 250000, B: 100000, C: 20000, D: 12500}.items():
            service.record_standalone(office, FY, ward(code).id, Decimal(amount), "単独調達の見積（令和8年5月）")
        bills = {b.ward.code: b for b in service.issue(office, FY)}
        assert len(bills) == 23 and sum(b.total for b in bills.values()) == 100000
        shinjuku = bills[C]
        assert shinjuku.joint_amount == 13000
        assert shinjuku.joint_amount + shinjuku.total == 14000  # 30% below its standalone 20,000
        shortfall = -shinjuku.adjustment
        assert (shinjuku.shares, shortfall) == (3924, 2924)
        # recovered from the wards with room, in proportion to it
        assert {code: bills[code].adjustment for code in (A, B, D)} == {A: 2096, B: 816, D: 12}
        assert sum(b.adjustment for b in bills.values() if b.adjustment > 0) == shortfall
        assert [line["label"] for line in shinjuku.lines][-1] == "最低削減率の保証による調整"
        assert "均等割 4/10 × 1/23" in shinjuku.lines[0]["basis"] and "人口割 6/10" in shinjuku.lines[0]["basis"]
        with pytest.raises(service.SharingError, match="請求済み"):
            service.issue(office, FY)
        with pytest.raises(service.SharingError, match="請求済み"):
            service.add_running_cost(office, FY, "追加", Decimal(1), DEFAULT_WEIGHTS)


def test_each_bill_enters_the_savings_ledger_as_a_cost_so_totals_are_net(app):
    from sqlalchemy import select

    from costshares import service
    from costshares.sharing import DEFAULT_WEIGHTS
    from procure.extensions import db
    from savings.models import OFFICE_COST, SavingsEntry
    from tenders.models import Contract

    with unit_of_work(app):
        office = user("office@example.jp")
        tender_id = grouped_contracts(app)
        service.add_running_cost(office, FY, "組織運営費", Decimal(100000), DEFAULT_WEIGHTS)
        bills = {b.ward.code: b for b in service.issue(office, FY)}
        rows = db.session.scalars(select(SavingsEntry).filter_by(source="cost_share").where(
            SavingsEntry.source_id.in_([b.id for b in bills.values()]))).all()
        assert len(rows) == 23 and {r.reference_kind for r in rows} == {OFFICE_COST}
        shinjuku = next(r for r in rows if r.ward.code == C)
        assert (shinjuku.source_id, shinjuku.reference_amount, shinjuku.paid_amount, shinjuku.saving) == (
            bills[C].id, 0, bills[C].total, -bills[C].total)
        # Shinjuku's purchase keeps its own row (20,000 alone, 13,000 grouped): not netted twice
        contract_ids = db.session.scalars(select(Contract.id).filter_by(tender_id=tender_id, ward_id=ward(C).id))
        purchase = db.session.scalars(select(SavingsEntry).filter_by(source="tender_contract").where(
            SavingsEntry.source_id.in_(contract_ids))).all()
        assert [p.saving for p in purchase] == [7000]


def test_a_guarantee_the_shares_cannot_give_is_refused_and_nothing_is_billed(app):
    from sqlalchemy import func, select

    from costshares import service
    from costshares.models import CostShareBill
    from costshares.sharing import DEFAULT_WEIGHTS
    from procure.extensions import db

    with unit_of_work(app):
        office = user("office@example.jp")
        tender_id = grouped_contracts(app)
        service.add_running_cost(office, FY, "組織運営費", Decimal(100000), DEFAULT_WEIGHTS)
        service.record_standalone(office, FY, ward(A).id, Decimal(160000), "単独見積")  # cap 112,000 < 150,000
        with pytest.raises(service.SharingError, match="満たせません"):
            service.issue(office, FY)
        assert db.session.scalar(select(func.count()).select_from(CostShareBill).filter_by(fiscal_year=FY)) == 0


def test_the_office_issues_from_its_page_and_the_ward_reads_its_bill(app, client, login):
    from tests.helpers import csrf_token, sign_in

    with unit_of_work(app):
        grouped_contracts(app)
        shinjuku_id, setagaya_id = ward(C).id, ward(A).id
    login("office@example.jp")
    page = f"/office/cost-shares?fy={FY}"

    def post(**data):
        return client.post("/office/cost-shares", data={"csrf_token": csrf_token(client, page), "fy": str(FY), **data},
                           follow_redirects=True).get_data(as_text=True)

    assert "金額は 0 以上の円単位" in post(action="add_cost", label="組織運営費", amount="－５", w_equal="4",
                                        w_population="6")
    post(action="add_cost", label="組織運営費", amount="１００，０００", w_equal="４", w_population="６")
    post(action="standalone", ward_id=str(setagaya_id), amount="250000", source="単独見積")
    html = post(action="standalone", ward_id=str(shinjuku_id), amount="20000", source="単独見積")
    assert "配分の試算" in html and "新宿区" in html
    html = post(action="issue", min_savings_percent="30")
    assert "23 区に負担金を請求しました" in html and "FY2026-131041" in html, re.findall(r"<p class=\"flash[^<]*</p>|role=\"alert\"[^<]*", html)
    ward_client = app.test_client()
    sign_in(ward_client, "staff@shibuya.example.jp")
    mine = ward_client.get("/ward/cost-shares").get_data(as_text=True)
    assert "不課税" in mine and "均等割 4/10 × 1/23" in mine and "FY2026-131130" in mine
    assert "FY2026-131041" not in mine  # another ward's bill


def test_a_ward_reads_its_cost_share_over_the_api(app, client):
    from costshares import service
    from costshares.sharing import DEFAULT_WEIGHTS
    from tests.helpers import api_token

    with unit_of_work(app):
        office = user("office@example.jp")
        service.add_running_cost(office, FY, "組織運営費", Decimal(100000), DEFAULT_WEIGHTS)
        service.issue(office, FY, None)
    ward = {"Authorization": f"Bearer {api_token(client, 'staff@shibuya.example.jp')}"}
    (bill,) = client.get(f"/api/v1/cost-shares?fiscal_year={FY}", headers=ward).get_json()["cost_shares"]
    assert bill["ward_code"] == "131130" and bill["lines"][0]["label"] == "組織運営費"
    office_token = {"Authorization": f"Bearer {api_token(client, 'office@example.jp')}"}
    assert len(client.get(f"/api/v1/cost-shares?fiscal_year={FY}", headers=office_token).get_json()["cost_shares"]) == 23


def test_the_wards_payer_pays_its_cost_share_by_zengin_like_an_invoice(app, client, login):
    from costshares import service
    from costshares.models import CostShareBill
    from costshares.sharing import DEFAULT_WEIGHTS
    from invoicing.models import ZenginBatch
    from procure.extensions import db
    from sqlalchemy import select
    from tests.helpers import csrf_token

    with unit_of_work(app):
        service.add_running_cost(user("office@example.jp"), FY, "組織運営費", Decimal(230000), DEFAULT_WEIGHTS)
        service.issue(user("office@example.jp"), FY, None)
        bill = db.session.scalar(select(CostShareBill).filter_by(fiscal_year=FY, ward_id=ward(B).id))
        bill_id, total = bill.id, bill.total
    login("inspector@shibuya.example.jp")
    page = "/ward/cost-shares"
    assert "全銀ファイルを作成" in client.get(page).get_data(as_text=True)
    from procure.formatting import today_in_tokyo

    from invoicing.payments import earliest_transfer_date

    transfer_day = earliest_transfer_date(today_in_tokyo(), 1)
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "bill": str(bill_id),
                                       "transfer_date": transfer_day.isoformat()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ward/payments")
    with unit_of_work(app):
        batch = db.session.scalars(select(ZenginBatch).order_by(ZenginBatch.id.desc())).first()
        assert (batch.count, batch.total) == (1, total) and b"FY2026-131130" in batch.content
        assert db.session.get(CostShareBill, bill_id).status == "payment_pending"
        batch_id = batch.id
    payments_page = "/ward/payments"
    client.post(f"/ward/payments/zengin/{batch_id}/send", data={"csrf_token": csrf_token(client, payments_page)})
    app.config["TODAY"] = transfer_day  # the transfer date has come
    client.post(f"/ward/payments/zengin/{batch_id}/confirm", data={"csrf_token": csrf_token(client, payments_page)})
    with unit_of_work(app):
        assert db.session.get(CostShareBill, bill_id).status == "paid"
    assert "支払済" in client.get(page).get_data(as_text=True)
    again = client.post(page, data={"csrf_token": csrf_token(client, page), "bill": str(bill_id),
                                    "transfer_date": earliest_transfer_date(transfer_day, 1).isoformat()},
                        follow_redirects=True)
    assert "支払済み" in again.get_data(as_text=True)  # paid once


def test_the_bill_is_a_japanese_pdf_that_says_it_is_outside_consumption_tax(app, client, login, tmp_path):
    import subprocess

    from costshares import service
    from costshares.models import CostShareBill
    from costshares.sharing import DEFAULT_WEIGHTS
    from procure.extensions import db
    from sqlalchemy import select

    with unit_of_work(app):
        service.add_running_cost(user("office@example.jp"), FY, "組織運営費", Decimal(230000), DEFAULT_WEIGHTS)
        service.issue(user("office@example.jp"), FY, None)
        bill_id = db.session.scalar(select(CostShareBill.id).filter_by(fiscal_year=FY, ward_id=ward(B).id))
    login("staff@shibuya.example.jp")
    pdf = client.get(f"/cost-shares/{bill_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    path = tmp_path / "bill.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "不課税" in text and "FY2026-131130" in text and "均等割" in text
    assert "発行日: 令和" in text  # the ward's documents are dated in 和暦 unless it chose 西暦
    with unit_of_work(app):
        from procure.models import set_document_date_style

        set_document_date_style(ward(B).id, "western")
    from tests.helpers import pdf_text

    assert "令和" not in pdf_text(client.get(f"/cost-shares/{bill_id}.pdf").data)


def test_joint_spend_counts_approved_catalog_orders(app):
    from catalog.approval import APPROVED
    from costshares import service
    from tests.catalog_data import place

    with unit_of_work(app):
        shibuya = ward("131130").id
        before = service.joint_amounts(FY).get(shibuya, Decimal(0))
        order = place(lines=(("B-PEN-001", 10),))
        approved = sum(line.amount for line in order.lines if line.approval == APPROVED)
        assert approved > 0 and approved == approved.to_integral_value()
        assert service.joint_amounts(FY)[shibuya] - before == approved
        assert service.joint_amounts(FY - 5) == {}

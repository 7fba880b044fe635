"""`flask seed --tenders` (what scripts/run.sh loads): three demo tenders a newcomer can try, in
different stages, built through the use cases; running it again changes nothing."""
from sqlalchemy import func, select

from tests.helpers import sign_in, unit_of_work


def test_demo_tenders_are_seeded_once_and_every_page_shows_them(app, runner):
    from procure.extensions import db
    from tenders.models import Award, Contract, Tender
    from savings.models import SavingsEntry
    from tenders.seed import FOOD_TITLE, FORMS_TITLE, PC_TITLE, POWER_TITLE

    for _ in range(2):
        result = runner.invoke(args=["seed", "--tenders"])
        assert result.exit_code == 0, result.output
    with unit_of_work(app):
        tenders = {t.title: t for t in db.session.scalars(select(Tender))}
        assert {t: tenders[t].status for t in (PC_TITLE, POWER_TITLE, FOOD_TITLE, FORMS_TITLE)} == {
            PC_TITLE: "demand_collection", POWER_TITLE: "bidding", FOOD_TITLE: "contracted",
            FORMS_TITLE: "contracted"}
        # Seed 004's third round: groups of at most 3, the small wards together at ¥13
        forms = {c.ward.code: c.amount for c in db.session.scalars(
            select(Contract).filter_by(tender_id=tenders[FORMS_TITLE].id))}
        assert forms == {"131121": 150000, "131130": 60000, "131041": 13000, "131016": 6500}
        # savings against each ward buying alone from the winner: C and D grouped (7,000 + 3,500);
        # water at the pooled 1,000-case tier rather than 1,150 alone (500 + 800 cases x 50)
        assert db.session.scalar(select(func.sum(SavingsEntry.saving)).filter_by(source="tender_contract")) == (
            10500 + 1300 * 50)
        # last month's pooled copy paper closed: 60 + 120 boxes together at the 100-box tier
        from catalog.order_models import PooledAdjustment

        adjustments = db.session.scalars(select(PooledAdjustment)).all()
        assert sorted((a.quantity, a.pooled_quantity, a.final_unit_price) for a in adjustments) == [
            (60, 180, 1900), (120, 180, 1900)]
        # 渋谷区's 60 boxes alone would have stayed at ¥1,980: pooling saved it 60 x 80
        assert db.session.scalar(select(func.sum(SavingsEntry.saving)).filter_by(source="pooled_adjustment")) == 4800
        (award,) = db.session.scalars(select(Award).filter_by(tender_id=tenders[FOOD_TITLE].id)).all()
        # 720 packs of rice at 11,800 and 1,300 cases of water at the 1,000-case tier of 1,100
        assert award.price == 720 * 11800 + 1300 * 1100
        assert db.session.scalar(select(func.sum(Contract.amount)).filter_by(tender_id=award.tender_id)) == award.price
        ids = {title: t.id for title, t in tenders.items()}

    office = app.test_client()
    sign_in(office, "office@example.jp")
    for tender_id in ids.values():
        assert office.get(f"/office/tenders/{tender_id}").status_code == 200
    assert "（箱、軽減税率）" in office.get(f"/office/tenders/{ids[FOOD_TITLE]}").get_data(as_text=True)
    ward = app.test_client()
    sign_in(ward, "staff@setagaya.example.jp")
    page = ward.get(f"/ward/tenders/{ids[PC_TITLE]}").get_data(as_text=True)
    assert 'name="tier_std_0_0" value="mem16" checked' in page and 'value="450"' in page
    vendor = app.test_client()
    sign_in(vendor, "vendor@denki.example.jp")
    bidding = vendor.get(f"/vendor/tenders/{ids[POWER_TITLE]}").get_data(as_text=True)
    assert "基本料金単価（円/kW・月）" in bidding and "世田谷区" in bidding
    assert "8,352,500" in bidding  # 世田谷区 特別高圧: 650,000 kWh x the 12 monthly factors (12.85) a year
    results = app.test_client().get("/tenders/results").get_data(as_text=True)
    assert FOOD_TITLE in results and "82.72%" in results  # 9,926,000 / 12,000,000

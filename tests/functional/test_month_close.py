"""Month close: pooled catalog items re-priced at the tier of all wards' volume."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from tests.catalog_data import place
from tests.helpers import csrf_token, unit_of_work


def _previous_month(app):
    from catalog.order_models import Order
    from procure.dbtypes import utcnow
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    first = today_in_tokyo().replace(day=1)
    last_month = first - timedelta(days=1)
    with unit_of_work(app):
        db.session.execute(update(Order).values(placed_at=utcnow() - timedelta(days=today_in_tokyo().day + 3)))
        db.session.commit()
    return f"{last_month:%Y-%m}"


def close(app, client, month: str) -> str:
    """Ask for the close as the office does; wait for its job; the page it then shows."""
    response = client.post("/office/catalog/month-close", data={
        "csrf_token": csrf_token(client, "/office/catalog/month-close"), "month": month})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(response.headers["Location"].rsplit("=", 1)[1])
    assert app.extensions["jobs"].wait(job_id, 60).status == "done"
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_month_close_records_per_ward_adjustments_shown_to_wards_and_vendors(app, client, login):
    from catalog.order_models import PooledAdjustment
    from procure.extensions import db

    with unit_of_work(app):
        place(lines=(("B-PPR-001", 60),))
        place("staff@setagaya.example.jp", lines=(("B-PPR-001", 50),))
        place(lines=(("B-PEN-001", 10),))  # no tiers: not pooled
    month = _previous_month(app)
    login("office@example.jp")
    token = csrf_token(client, "/office/catalog/month-close")
    bad = client.post("/office/catalog/month-close", data={"csrf_token": token, "month": "2099-01"})
    assert "まだ終わっていません" in bad.get_data(as_text=True)
    done = close(app, client, month)
    assert "調整 2 件を記録しました" in done and "<progress" in done  # a background job, its result on the page
    again = client.post("/office/catalog/month-close", data={"csrf_token": token, "month": month})
    assert "締め済み" in again.get_data(as_text=True)
    with unit_of_work(app):
        rows = {a.ward.code: a for a in db.session.scalars(select(PooledAdjustment))}
        assert set(rows) == {"131130", "131121"}
        shibuya = rows["131130"]
        assert (shibuya.quantity, shibuya.pooled_quantity, shibuya.final_unit_price) == (60, 110, Decimal("1900"))
        assert (shibuya.provisional_amount, shibuya.final_amount, shibuya.adjustment) == (
            Decimal("118800"), Decimal("114000"), Decimal("-4800"))
        # pooled: 渋谷区's 60 boxes alone stay at ¥1,980; together they reach the ¥1,900 tier
        from savings.models import SavingsEntry

        saving = db.session.scalar(select(SavingsEntry).filter_by(source="pooled_adjustment", source_id=shibuya.id))
        assert (saving.reference_amount, saving.paid_amount, saving.saving) == (118800, 114000, 4800)
    client.post("/logout", data={"csrf_token": token})
    login("staff@shibuya.example.jp")
    page = client.get("/adjustments").get_data(as_text=True)
    assert "¥-4,800" in page and "世田谷区" not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/adjustments")})
    login("vendor@bunguya.example.jp")
    page = client.get("/adjustments").get_data(as_text=True)
    assert "渋谷区" in page and "世田谷区" in page


def test_a_pooled_adjustment_is_billed_once_by_the_database_itself(app):
    """The app bills each adjustment once; the database refuses a second live line for it even
    if some path forgot, and allows it again once the first invoice is superseded."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from catalog.month_close import close_month
    from invoicing.models import Invoice, InvoiceLine
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from tests.catalog_data import user
    from tests.functional.test_failure_injection import _all_wards_invoices

    with unit_of_work(app):
        place(lines=(("B-PPR-001", 60),))
        place("staff@setagaya.example.jp", lines=(("B-PPR-001", 50),))
    year, month = map(int, _previous_month(app).split("-"))
    with unit_of_work(app):
        close_month(user("office@example.jp"), year, month, today_in_tokyo())
        invoices = _all_wards_invoices(year, month)
        billed = [l for i in invoices for l in i.lines if l.pooled_adjustment_id is not None]
        assert billed, "the month's adjustments are billed"
        first = billed[0]
        again = dict(invoice_id=first.invoice_id, ward_id=first.ward_id, line_no=99,
                     pooled_adjustment_id=first.pooled_adjustment_id, description="再請求", quantity=1,
                     unit_price=first.unit_price, amount=first.amount, tax_rate=first.tax_rate)
    with pytest.raises(IntegrityError), unit_of_work(app):
        db.session.add(InvoiceLine(**again))
        db.session.flush()
    with unit_of_work(app):
        db.session.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == again["invoice_id"])
                           .values(live=False))  # as when its invoice is superseded
        db.session.add(InvoiceLine(**again))
        db.session.flush()
        assert db.session.get(Invoice, again["invoice_id"]) is not None


def test_an_item_priced_by_group_closes_each_ward_at_its_groups_tier(app, client, login):
    """B-PPR-001 has tiers 100 (¥1,900) and 500 (¥1,850) over ¥1,980: with one group per band
    below and from 100, 渋谷区 (60) alone stays at ¥1,980 and 世田谷区 (120) reaches ¥1,900."""
    from catalog.order_models import PooledAdjustment
    from procure.extensions import db

    with unit_of_work(app):
        place(lines=(("B-PPR-001", 60),))
        place("staff@setagaya.example.jp", lines=(("B-PPR-001", 120),))
    month = _previous_month(app)
    login("office@example.jp")
    page = client.get("/office/catalog/pooled-pricing").get_data(as_text=True)
    assert "B-PPR-001" in page and "全区共通単価" in page
    with unit_of_work(app):
        from sqlalchemy import select as sel

        from catalog.models import CatalogItem

        vendor_id = db.session.scalar(sel(CatalogItem.vendor_id).filter_by(sku="B-PPR-001"))
    token = csrf_token(client, "/office/catalog/pooled-pricing")
    done = client.post("/office/catalog/pooled-pricing", data={
        "csrf_token": token, "vendor_id": str(vendor_id), "sku": "B-PPR-001", "mode": "grouped", "max_groups": "2",
        "rounding": "down"}, follow_redirects=True).get_data(as_text=True)
    assert "次の月次締めから" in done and "最大 2 グループ" in done
    close(app, client, month)
    with unit_of_work(app):
        rows = {a.ward.code: a for a in db.session.scalars(select(PooledAdjustment))}
        shibuya, setagaya = rows["131130"], rows["131121"]
        assert (shibuya.pricing_mode, shibuya.tier_quantity, shibuya.final_unit_price) == ("grouped", 60,
                                                                                             Decimal("1980"))
        assert (setagaya.tier_quantity, setagaya.final_unit_price, setagaya.pooled_quantity) == (
            120, Decimal("1900"), 180)
        # grouped alone: the savings ledger records no saving against each ward's own tier
        from savings.models import SavingsEntry

        assert {e.source_id: e.saving for e in db.session.scalars(
            select(SavingsEntry).filter_by(source="pooled_adjustment"))} == {shibuya.id: 0, setagaya.id: 0}

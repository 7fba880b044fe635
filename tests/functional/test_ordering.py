"""Ward ordering: search, cart, placement (idempotent, budget-guarded), approval per line."""
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.catalog_data import item_id, order_refs, place, user
from tests.helpers import csrf_token, run_concurrently, unit_of_work

STAFF = "staff@shibuya.example.jp"
APPROVER = "approver@shibuya.example.jp"


@pytest.mark.parametrize("query", ["ボールペン", "ぼーるぺん", "ﾎﾞｰﾙﾍﾟﾝ", "ボール　ペン", "油性"])
def test_search_finds_japanese_substrings_in_any_kana_width(client, login, query):
    login(STAFF)
    page = client.get(f"/ward/catalog?q={query}").get_data(as_text=True)
    assert "油性ボールペン 黒" in page and "B-PEN-001" in page
    assert "コピー用紙 A4" not in page


def test_search_by_jan_and_filters(app, client, login):
    from catalog.models import CatalogItem
    from procure.extensions import db

    login(STAFF)
    with unit_of_work(app):
        jan = db.session.scalar(select(CatalogItem.jan).filter_by(sku="B-PPR-001"))
    assert "B-PPR-001" in client.get(f"/ward/catalog?q={jan}").get_data(as_text=True)
    green = client.get("/ward/catalog?green=1&category=PC周辺機器").get_data(as_text=True)
    assert "該当する商品はありません" in green  # no green PC supplies in the demo catalog
    water = client.get("/ward/catalog?q=保存水").get_data(as_text=True)
    assert "※</span>" in water  # reduced-rate mark
    paper = client.get("/ward/catalog?category=コピー用紙").get_data(as_text=True)
    assert "B-PPR-001" in paper and "J-PPR-001" in paper and "B-PEN-001" not in paper


def _cart_add(client, sku_id, quantity):
    token = csrf_token(client, "/ward/catalog")
    return client.post("/ward/cart/add", data={"csrf_token": token, "item_id": sku_id, "quantity": quantity})


def test_cart_to_order_with_full_width_quantity_and_double_submit_placed_once(app, client, login):
    from catalog.order_models import CartItem, Order
    from procure.extensions import db

    login(STAFF)
    with unit_of_work(app):
        pen, refs = item_id("B-PEN-001"), order_refs(STAFF)
    _cart_add(client, pen, "２０")
    page = client.get("/ward/cart").get_data(as_text=True)
    assert "¥1,360" in page  # 20 x 68
    key = uuid.uuid4().hex
    form = {"csrf_token": csrf_token(client, "/ward/cart"), "idempotency_key": key, "delivery_date": "",
            **{k: str(v) for k, v in refs.items()}}
    first = client.post("/ward/orders", data=form)
    second = client.post("/ward/orders", data=form)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert first.headers["Location"] == second.headers["Location"]
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        order = db.session.scalar(select(Order))
        assert order.status == "approved" and order.total == Decimal("1360")
        assert order.reserved == Decimal("1496")  # tax included, rounded up
        assert db.session.scalar(select(func.count()).select_from(CartItem)) == 0


def test_order_errors_are_specific(app, client, login):
    login(STAFF)
    with unit_of_work(app):
        refs = order_refs(STAFF)
        other = order_refs("staff@setagaya.example.jp")
    _cart_add(client, None, "1")
    with unit_of_work(app):
        _cart_add(client, item_id("B-PEN-001"), "3")  # below the minimum order of 10
    token = csrf_token(client, "/ward/cart")
    base = {"csrf_token": token, "idempotency_key": uuid.uuid4().hex, **{k: str(v) for k, v in refs.items()}}
    page = client.post("/ward/orders", data=base | {"delivery_date": ""}).get_data(as_text=True)
    assert "10 本 以上で発注してください" in page
    client.post("/ward/cart/update", data={"csrf_token": token, **{
        k: "10" for k in _cart_row_keys(app)}})
    page = client.post("/ward/orders", data=base | {"delivery_date": "2027-01-01"})
    assert page.status_code == 422 and "開庁日" in page.get_data(as_text=True)
    page = client.post("/ward/orders", data=base | {"facility_id": str(other["facility_id"])})
    assert page.status_code == 422 and "自区のもののみ" in page.get_data(as_text=True)


def _cart_row_keys(app):
    from catalog.order_models import CartItem
    from procure.extensions import db

    with unit_of_work(app):
        return [f"qty_{i}" for i in db.session.scalars(select(CartItem.id))]


def test_approval_rules_route_orders_and_rejection_releases_budget(app, client, login):
    from catalog.order_models import Budget, Order
    from procure.extensions import db

    with unit_of_work(app):
        big = place(lines=(("B-ENV-001", 10), ("B-TON-001", 1), ("B-PEN-001", 10)))  # 26,000+19,800+680
        assert big.status == "pending"
        budget = db.session.get(Budget, big.budget_id)
        committed = budget.committed
        order_id, toner, pen = big.id, big.lines[1].id, big.lines[2].id
    login(APPROVER)
    url = f"/ward/orders/{order_id}/lines/{toner}/decision"
    token = csrf_token(client, f"/ward/orders/{order_id}")
    page = client.post(url, data={"csrf_token": token, "action": "reject"}, follow_redirects=True)
    assert "却下の理由を入力してください" in page.get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "action": "reject", "reason": "在庫あり"})
    client.post(f"/ward/orders/{order_id}/lines/{pen}/decision", data={"csrf_token": token, "action": "approve"})
    with unit_of_work(app):
        order = db.session.get(Order, order_id)
        assert [l.approval for l in order.lines] == ["pending", "rejected", "approved"]
        assert order.lines[1].rejection_reason == "在庫あり"
        released = committed - db.session.get(Budget, order.budget_id).committed
        assert released == Decimal("21780")  # 19,800 + 10% tax
    assert "在庫あり" in client.get(f"/ward/orders/{order_id}").get_data(as_text=True)


def test_budget_is_never_overspent_under_concurrent_orders(app):
    from catalog.order_models import Budget, Order
    from catalog.ordering import OrderError
    from procure.extensions import db

    with unit_of_work(app):
        refs = order_refs(STAFF)
        budget = db.session.get(Budget, refs["budget_id"])
        budget.amount = budget.committed + Decimal("7480")  # room for exactly 10 orders of 748
        db.session.commit()
    results = run_concurrently(app, 16, lambda: place().id)
    outcomes = ["placed" if not isinstance(r, Exception) else getattr(r, "field", repr(r)) for r in results]
    with unit_of_work(app):
        budget = db.session.get(Budget, refs["budget_id"])
        assert budget.committed <= budget.amount
        assert outcomes.count("placed") == 10 and outcomes.count("budget") == 6
        assert db.session.scalar(select(func.count()).select_from(Order)) == 10


def test_same_idempotency_key_concurrently_places_one_order(app):
    from catalog.order_models import Order
    from procure.extensions import db

    key = uuid.uuid4().hex
    placed = run_concurrently(app, 6, lambda: place(key=key).id)
    with unit_of_work(app):
        assert len(set(placed)) == 1
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_replenishment_proposes_what_restores_par(app, client, login):
    from catalog.order_models import CartItem, ParLevel
    from procure.extensions import db

    login(STAFF)
    with unit_of_work(app):
        pars = db.session.scalars(select(ParLevel).where(ParLevel.ward_id == user(STAFF).ward_id)
                                  .order_by(ParLevel.id)).all()
        space_id = pars[0].space_id
        pars = [p for p in pars if p.space_id == space_id]
        counts = {f"count_{p.id}": "４５" if p.sku == "B-PEN-001" else str(p.par_quantity) for p in pars}
    token = csrf_token(client, f"/ward/replenish/{space_id}")
    page = client.post(f"/ward/replenish/{space_id}", data={"csrf_token": token, **counts}).get_data(as_text=True)
    assert "補充提案" in page
    pen = next(p for p in pars if p.sku == "B-PEN-001")
    assert f'name="order_{pen.id}" value="10"' in page  # 5 short, but the minimum order is 10
    client.post(f"/ward/replenish/{space_id}/cart", data={"csrf_token": token, f"order_{pen.id}": "10"})
    with unit_of_work(app):
        assert [(c.sku, c.quantity) for c in db.session.scalars(select(CartItem))] == [("B-PEN-001", 10)]


def test_budgets_page_and_approver_edits_the_approval_rule(app, client, login):
    login(APPROVER)
    page = client.get("/ward/budgets").get_data(as_text=True)
    assert "<svg" in page and "総務部 総務課" in page and "¥3,000,000" in page
    token = csrf_token(client, "/ward/budgets")
    client.post("/ward/approval-rule", data={"csrf_token": token, "threshold": "１００，０００",
                                             "categories": "PC周辺機器、防災備蓄品"})
    with unit_of_work(app):
        from catalog.order_models import ApprovalRule
        from procure.extensions import db

        rule = db.session.scalar(select(ApprovalRule).filter_by(ward_id=user(APPROVER).ward_id))
        assert rule.threshold_amount == Decimal("100000")
        assert rule.restricted_categories == ["PC周辺機器", "防災備蓄品"]
        # now a 52,000-yen order of envelopes no longer needs approval, bottled water does
        assert place(lines=(("B-ENV-001", 20),)).status == "approved"
        assert place(lines=(("B-WTR-001", 1),)).status == "pending"
    huge = client.post("/ward/approval-rule", follow_redirects=True,
                       data={"csrf_token": token, "threshold": "９" * 24, "categories": ""})
    assert huge.status_code == 200 and "10,000,000,000 円未満" in huge.get_data(as_text=True)  # not a database error


def test_a_rejected_line_leaves_the_order_amount(app, client, login):
    from catalog.order_models import Order
    from catalog.ordering import decide_line
    from procure.extensions import db
    from tests.catalog_data import place, user

    with unit_of_work(app):
        order = place(lines=(("B-PPR-001", 60), ("B-PEN-001", 10)))
        order_id, (paper, pens) = order.id, order.lines
        kept = pens.amount
        decide_line(user("approver@shibuya.example.jp"), paper.id, False, "予算超過")
    with unit_of_work(app):
        assert db.session.get(Order, order_id).total == kept
    login("staff@shibuya.example.jp")
    page = client.get(f"/ward/orders/{order_id}").get_data(as_text=True)
    assert f"¥{kept:,.0f}" in page

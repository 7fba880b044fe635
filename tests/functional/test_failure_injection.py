"""Every multi-step use case is all-or-nothing: a database error at any of its writes leaves every
table as it was (audit log included), and the same action then succeeds (tests/faults.py).

Opening, award and ward contracts of a pooled tender; invoice generation, upload with its
three-way match, settling a line, Zengin payment and its confirmation; catalog approval; month
close; placing, approving, shipping and inspecting an order. Card payments, whose claim is
committed on purpose before Stripe is called, are in test_stripe_payments.py."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.catalog_data import catalog_row, catalog_xlsx, delivered_order, inspected_last_month, place, user
from tests.faults import all_or_nothing, no_changes
from tests.functional.test_tender_flow import CLOSES, OPENING, OPENS, bid, tender  # noqa: F401  (fixture)
from tests.helpers import WITNESS, open_witnessed, unit_of_work

OFFICE = "office@example.jp"
VENDOR = "vendor@bunguya.example.jp"
ACCOUNTING = "inspector@shibuya.example.jp"


def _bids(app, tender_id):
    from tenders import service

    with unit_of_work(app):
        for email, std in (("vendor@pc.example.jp", 95000), ("vendor@bunguya.example.jp", 97000)):
            service.submit_bid(user(email), tender_id, bid(std, 150000), OPENS + timedelta(hours=1))


def _tender(app, tender_id):
    from procure.extensions import db
    from tenders.models import Tender

    with unit_of_work(app):
        return db.session.get(Tender, tender_id).status


# --- pooled tenders -------------------------------------------------------------------------

def test_opening_is_all_or_nothing(app, tender):
    from tenders import service

    _bids(app, tender)

    def check(opened):
        from procure.extensions import db
        from tenders.models import Bid

        assert opened.status == "opened" and opened.ceiling_price == Decimal(40000000)
        bids = db.session.scalars(select(Bid).filter_by(tender_id=tender)).all()
        assert len(bids) == 2 and all(b.evaluation() is not None for b in bids)

    with unit_of_work(app):
        service.request_opening(user(OFFICE), tender, OPENING)  # the officer asks; the witness opens
    all_or_nothing(app, lambda: service.open_bids(user(WITNESS), tender, OPENING), check, expected_writes=3)


def test_opening_under_the_wrong_seal_key_changes_nothing_and_the_right_key_then_opens(app, tender):
    from tenders import service

    _bids(app, tender)
    with unit_of_work(app):
        service.request_opening(user(OFFICE), tender, OPENING)
    right = app.config.get("TENDER_SEAL_KEY")
    app.config["TENDER_SEAL_KEY"] = "not-the-key-the-bids-were-sealed-with"
    with no_changes(app):
        with pytest.raises(service.TenderError), unit_of_work(app):
            service.open_bids(user(WITNESS), tender, OPENING)
    assert _tender(app, tender) == "bidding"
    app.config["TENDER_SEAL_KEY"] = right
    with unit_of_work(app):
        assert service.open_bids(user(WITNESS), tender, OPENING).status == "opened"


def test_award_is_all_or_nothing(app, tender):
    from tenders import service

    _bids(app, tender)
    with unit_of_work(app):
        open_witnessed(user(OFFICE), tender, OPENING)

    def check(made):
        assert len(made) == 1 and made[0].vendor.name == "東京ピーシーソリューションズ株式会社"

    all_or_nothing(app, lambda: service.award(user(OFFICE), tender, OPENING + timedelta(hours=1)), check,
                   expected_writes=3)
    assert _tender(app, tender) == "awarded"


def test_ward_contracts_are_all_or_nothing(app, tender):
    from tenders import service

    _bids(app, tender)
    with unit_of_work(app):
        open_witnessed(user(OFFICE), tender, OPENING)
        (awarded,) = service.award(user(OFFICE), tender, OPENING)
        price = awarded.price

    def check(made):
        assert len(made) == 3 and sum(c.amount for c in made) == price

    all_or_nothing(app, lambda: service.make_contracts(user(OFFICE), tender, OPENING + timedelta(days=1)), check,
                   expected_writes=3)
    assert _tender(app, tender) == "contracted"


# --- invoicing and payment ------------------------------------------------------------------

def _all_wards_invoices(year, month):
    from invoicing import service
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from procure.models import Ward

    vendor = user(VENDOR)
    made = []
    for ward in db.session.scalars(select(Ward).order_by(Ward.id)):
        made += service.generate_invoice(vendor.vendor, ward, year, month, vendor, today_in_tokyo())
    return made


def test_invoice_generation_is_all_or_nothing(app):
    year, month, _ = inspected_last_month(app, lines=(("B-PEN-001", 10), ("B-WTR-001", 2)))

    def check(made):
        assert len(made) == 1 and made[0].status == "payable" and made[0].total == Decimal(3232)

    all_or_nothing(app, lambda: _all_wards_invoices(year, month), check, expected_writes=3)


def test_invoice_upload_with_its_match_is_all_or_nothing(app):
    from invoicing.upload import upload_ubl
    from tests.functional.test_invoice_upload_and_discrepancies import ubl_for_last_month

    xml, _ = ubl_for_last_month(app, quantity=10)  # bills 10, only 9 accepted: a discrepancy

    def check(invoice):
        assert invoice.status == "discrepancy" and not invoice.lines[0].matched

    all_or_nothing(app, lambda: upload_ubl(user(VENDOR), xml), check, expected_writes=3)


def test_settling_a_line_by_credit_note_is_all_or_nothing(app):
    from invoicing import service
    from invoicing.models import Invoice
    from invoicing.upload import upload_ubl
    from procure.extensions import db
    from tests.functional.test_invoice_upload_and_discrepancies import ubl_for_last_month

    xml, _ = ubl_for_last_month(app, quantity=10)
    with unit_of_work(app):
        line_id = upload_ubl(user(VENDOR), xml).lines[0].id

    def check(invoice):
        assert (invoice.status, invoice.credit, invoice.payable_amount) == ("payable", Decimal(75), Decimal(673))

    all_or_nothing(app, lambda: service.resolve_line(user(ACCOUNTING), line_id, "credit_note", "1本分を赤伝で",
                                                     Decimal(68)), check, expected_writes=2)
    with unit_of_work(app):
        assert db.session.scalar(select(Invoice)).status == "payable"


def _payable(app):
    from invoicing.models import Invoice
    from procure.extensions import db

    year, month, _ = inspected_last_month(app)
    with unit_of_work(app):
        return [i.id for i in _all_wards_invoices(year, month)] + [db.session.scalar(select(Invoice.id))]


def test_zengin_payment_and_its_confirmation_are_all_or_nothing(app):
    from invoicing import payments
    from invoicing.models import Invoice, Payment
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    from invoicing.payments import earliest_transfer_date

    invoice_id = _payable(app)[0]
    today = today_in_tokyo()
    transfer = earliest_transfer_date(today, 1)

    def check(batch):
        assert batch.count == 1 and batch.total == Decimal(748)

    batch = all_or_nothing(app, lambda: payments.zengin_batch(user(ACCOUNTING), [invoice_id], transfer, today),
                           check, expected_writes=3)
    all_or_nothing(app, lambda: payments.send_zengin_batch(user(ACCOUNTING), batch.id), expected_writes=2)
    all_or_nothing(app, lambda: payments.confirm_zengin_batch(user(ACCOUNTING), batch.id, transfer), expected_writes=3)
    with unit_of_work(app):
        assert db.session.get(Invoice, invoice_id).status == "paid"
        assert db.session.scalar(select(Payment)).status == "succeeded"


# --- catalog, month close, orders -----------------------------------------------------------

def test_catalog_approval_is_all_or_nothing(app, client, login):
    from catalog.versions import review
    from procure.formatting import today_in_tokyo
    from tests.functional.test_catalog_versions import upload

    login(VENDOR)
    version_id = upload(app, client, catalog_xlsx([catalog_row("NEW-1", name="新商品ノート"),
                                                   catalog_row("NEW-2", name="新商品ファイル")]))
    today = today_in_tokyo()

    def check(version):
        assert version.status == "approved"

    all_or_nothing(app, lambda: review(user(OFFICE), version_id, True, today + timedelta(days=1), None, today),
                   check, expected_writes=2)


def test_month_close_is_all_or_nothing(app):
    from catalog.month_close import close_month
    from procure.formatting import today_in_tokyo
    from tests.functional.test_month_close import _previous_month

    with unit_of_work(app):
        place(lines=(("B-PPR-001", 60),))
        place("staff@setagaya.example.jp", lines=(("B-PPR-001", 50),))
    year, month = map(int, _previous_month(app).split("-"))

    def check(closed):
        assert len(closed.adjustments) == 2

    all_or_nothing(app, lambda: close_month(user(OFFICE), year, month, today_in_tokyo()), check, expected_writes=3)


def test_a_three_line_order_is_all_or_nothing(app):
    from catalog.order_models import Budget
    from procure.extensions import db

    lines = (("B-PEN-001", 10), ("B-PPR-001", 60), ("B-WTR-001", 2))
    key = "one-key-for-every-try"

    def check(order):
        assert len(order.lines) == 3 and order.status == "pending"  # over 50,000 yen: waits for approval

    order = all_or_nothing(app, lambda: place(lines=lines, key=key), check, expected_writes=4)
    with unit_of_work(app):
        budget = db.session.get(Budget, order.budget_id)
        assert budget.committed >= order.total


def test_approving_a_line_is_all_or_nothing(app):
    from catalog.ordering import decide_line

    with unit_of_work(app):
        order = place(lines=(("B-PPR-001", 60),))
        line_id = order.lines[0].id

    def check(line):
        assert line.approval == "approved" and line.order.status == "approved"

    all_or_nothing(app, lambda: decide_line(user("approver@shibuya.example.jp"), line_id, True, None), check,
                   expected_writes=2)


def test_shipping_and_inspection_are_all_or_nothing(app):
    from catalog.fulfilment import ship
    from deliveries.inspection import InspectionEntry
    from deliveries.services import inspect_delivery
    from procure.formatting import today_in_tokyo

    with unit_of_work(app):
        order = place(lines=(("B-PEN-001", 10), ("B-WTR-001", 2)))
        order_id, quantities = order.id, {line.id: line.quantity for line in order.lines}
    shipped = []
    all_or_nothing(app, lambda: ship(user(VENDOR), order_id, "DN-FAULT-1", today_in_tokyo(), quantities),
                   lambda delivery: shipped.append(delivery.id), expected_writes=3)

    def entries():
        from deliveries.models import Delivery
        from procure.extensions import db

        lines = db.session.get(Delivery, shipped[0]).lines
        return [InspectionEntry(l.id, l.quantity - (1 if i == 0 else 0), 1 if i == 0 else 0, "破損" if i == 0 else None)
                for i, l in enumerate(lines)]

    all_or_nothing(app, lambda: inspect_delivery(user(ACCOUNTING), shipped[0], entries()), expected_writes=2)


# --- what the user sees -----------------------------------------------------------------------

def test_a_database_error_in_a_request_is_a_clear_503_page_and_the_retry_works(app, login):
    from procure.extensions import db
    from tests.faults import WriteFault
    from tests.helpers import csrf_token

    with unit_of_work(app):
        order = place(lines=(("B-PPR-001", 60),))
        order_id, line_id = order.id, order.lines[0].id
    client = login("approver@shibuya.example.jp")
    token = csrf_token(client, f"/ward/orders/{order_id}")
    url, form = f"/ward/orders/{order_id}/lines/{line_id}/decision", {"csrf_token": token, "action": "approve"}
    with app.app_context():
        engine = db.engine
    with no_changes(app), WriteFault(engine, fail_at=2):
        response = client.post(url, data=form, headers={"X-Request-Id": "req-fault-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "保存できませんでした。変更はされていません。もう一度お試しください。" in page and "req-fault-1" in page
    assert response.headers["X-Request-Id"] == "req-fault-1"
    assert client.post(url, data=form).status_code == 302
    from catalog.order_models import OrderLine

    with unit_of_work(app):
        assert db.session.get(OrderLine, line_id).approval == "approved"


def test_a_database_error_in_an_api_call_is_a_json_503(app, client):
    from procure.extensions import db
    from tests.faults import WriteFault
    from tests.helpers import api_token

    with unit_of_work(app):
        order_id = place().id
    headers = {"Authorization": f"Bearer {api_token(client, VENDOR)}"}
    with app.app_context():
        engine = db.engine
    with no_changes(app), WriteFault(engine, fail_at=1):
        response = client.post(f"/api/v1/orders/{order_id}/confirm", headers=headers)
    assert response.status_code == 503 and response.is_json
    assert "変更はされていません" in response.get_json()["error"]["message"]
    assert client.post(f"/api/v1/orders/{order_id}/confirm", headers=headers).status_code == 200


def test_opening_without_a_ceiling_under_the_wrong_seal_key_changes_nothing(app):
    """No sealed ceiling to give the wrong key away: the key check value each bid carries does.
    The tender stays 入札受付中 with its bids untouched; with the right key it then opens."""
    from procure.extensions import db
    from tenders import service
    from tenders.models import Bid
    from tests.functional.test_audit_transitions import _generic_tender

    tender_id = _generic_tender(app, "鍵違い", "bidding")  # no ceiling
    with unit_of_work(app):
        service.request_opening(user(OFFICE), tender_id, OPENING)
    right = app.config.get("TENDER_SEAL_KEY")
    app.config["TENDER_SEAL_KEY"] = "not-the-key-the-bids-were-sealed-with"
    with no_changes(app):
        with pytest.raises(service.TenderError, match="封印鍵"), unit_of_work(app):
            service.open_bids(user(WITNESS), tender_id, OPENING)
    assert _tender(app, tender_id) == "bidding"
    app.config["TENDER_SEAL_KEY"] = right
    with unit_of_work(app):
        service.open_bids(user(WITNESS), tender_id, OPENING)
        bids = db.session.scalars(select(Bid).filter_by(tender_id=tender_id, status="active")).all()
        assert bids and all(b.evaluation().valid for b in bids)


def test_a_bid_failing_its_own_check_under_the_right_key_is_still_recorded_invalid(app):
    from sqlalchemy import update

    from procure.extensions import db
    from tenders import service
    from tenders.models import Bid
    from tests.functional.test_audit_transitions import _generic_tender

    tender_id = _generic_tender(app, "改ざん", "bidding")
    with unit_of_work(app):
        bid_id = db.session.scalar(select(Bid.id).filter_by(tender_id=tender_id, status="active"))
        db.session.execute(update(Bid).where(Bid.id == bid_id).values(sealed=b"not a sealed bid"))
    with unit_of_work(app):
        open_witnessed(user(OFFICE), tender_id, OPENING)
        result = db.session.get(Bid, bid_id).evaluation()
        assert result.valid is False and "復号できません" in result.invalid_reasons[0]

"""One winner per step: the same request sent by many clients at the same moment, through the
real HTTP stack (tests/concurrency.py). Each test asserts one winner (one audit row of the
transition), exact money, and that no loser was answered 500.

On PostgreSQL the requests truly overlap; SQLite serialises writers, so there the tests show the
same outcome for requests that interleave at the statement level."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.catalog_data import catalog_row, catalog_xlsx, inspected_last_month, place, user
from tests.concurrency import assert_no_server_errors, race
from tests.helpers import unit_of_work

N = 12
OFFICE = "office@example.jp"
VENDOR = "vendor@bunguya.example.jp"
APPROVER = "approver@shibuya.example.jp"
ACCOUNTING = "inspector@shibuya.example.jp"


def audit_changes(app, entity, entity_id, attribute, source, target) -> int:
    """How many audit rows record `entity` #`entity_id` going from `source` to `target`."""
    from procure.audit import AuditLog
    from procure.extensions import db

    with unit_of_work(app):
        rows = db.session.scalars(select(AuditLog).filter_by(entity=entity, entity_id=str(entity_id))).all()
        return sum(1 for r in rows if (r.before or {}).get(attribute) == source
                   and (r.after or {}).get(attribute) == target)


# --- approvals and budgets ------------------------------------------------------------------

def _pending_order(app):
    from catalog.order_models import Budget
    from procure.extensions import db

    with unit_of_work(app):
        order = place(lines=(("B-PPR-001", 60), ("B-PEN-001", 10)))  # over 50,000 yen: waits for approval
        budget = db.session.get(Budget, order.budget_id)
        return order.id, [l.id for l in order.lines], order.budget_id, budget.committed, order.reserved


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_racing_decisions_on_one_line_have_one_winner_and_release_the_budget_once(app, action):
    from catalog.order_models import Budget, Order, OrderLine
    from catalog.ordering import budget_amount
    from procure.extensions import db

    order_id, (line_id, _), budget_id, committed, reserved = _pending_order(app)
    answers = race(app, APPROVER, N, f"/ward/orders/{order_id}/lines/{line_id}/decision",
                   {"action": action, "reason": "予算超過"}, page=f"/ward/orders/{order_id}")
    assert_no_server_errors(answers)
    target = "approved" if action == "approve" else "rejected"
    assert audit_changes(app, "order_line", line_id, "approval", "pending", target) == 1
    with unit_of_work(app):
        line, order = db.session.get(OrderLine, line_id), db.session.get(Order, order_id)
        assert line.approval == target
        expected = Decimal(0) if action == "approve" else budget_amount([(line.amount, line.tax_rate)])
        assert reserved - order.reserved == expected  # released once, exactly the line's share
        assert db.session.get(Budget, budget_id).committed == committed - expected


def test_rejecting_both_lines_of_one_order_at_once_releases_the_whole_reservation_once(app):
    """Two approvers' tabs reject different lines of one order at the same moment."""
    import threading

    from catalog.order_models import Budget, Order
    from procure.extensions import db
    from tests.concurrency import signed_in_clients

    order_id, line_ids, budget_id, committed, reserved = _pending_order(app)
    clients, token = signed_in_clients(app, APPROVER, 2 * N, f"/ward/orders/{order_id}")
    start, statuses = threading.Barrier(len(clients), timeout=30), []

    def one(client, line_id):
        start.wait()
        statuses.append(client.post(f"/ward/orders/{order_id}/lines/{line_id}/decision",
                                    data={"csrf_token": token, "action": "reject", "reason": "不要"}).status_code)

    threads = [threading.Thread(target=one, args=(c, line_ids[i % 2])) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert 500 not in statuses and 503 not in statuses, statuses
    # Whatever interleaving: each line rejected once, and the budget holds exactly what is left.
    for line_id in line_ids:
        assert audit_changes(app, "order_line", line_id, "approval", "pending", "rejected") <= 1
    with unit_of_work(app):
        order = db.session.get(Order, order_id)
        rejected = [l for l in order.lines if l.approval == "rejected"]
        assert rejected
        assert db.session.get(Budget, budget_id).committed == committed - (reserved - order.reserved)
        if len(rejected) == 2:
            assert order.reserved == 0 and order.status == "rejected"


# --- catalog review -------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["approve", "reject"])
def test_racing_reviews_of_one_catalog_version_have_one_winner(app, client, login, action):
    from tests.functional.test_catalog_versions import upload
    from procure.formatting import today_in_tokyo

    login(VENDOR)
    version_id = upload(app, client, catalog_xlsx([catalog_row("RACE-1")]))
    tomorrow = (today_in_tokyo() + timedelta(days=1)).isoformat()
    answers = race(app, OFFICE, N, f"/office/catalog/{version_id}/review",
                   {"action": action, "effective_from": tomorrow, "note": "根拠不足"}, page=f"/office/catalog/{version_id}")
    assert_no_server_errors(answers)
    target = "approved" if action == "approve" else "rejected"
    assert audit_changes(app, "catalog_version", version_id, "status", "pending_review", target) == 1


# --- fulfilment and inspection --------------------------------------------------------------

def test_racing_order_confirmations_confirm_each_line_once(app):
    with unit_of_work(app):
        order = place(lines=(("B-PEN-001", 10), ("B-WTR-001", 2)))
        order_id, line_ids = order.id, [l.id for l in order.lines]
    answers = race(app, VENDOR, N, f"/vendor/orders/{order_id}/confirm", page=f"/vendor/orders/{order_id}")
    assert_no_server_errors(answers)
    for line_id in line_ids:
        assert audit_changes(app, "order_line", line_id, "fulfilment", "open", "confirmed") == 1


def test_racing_deliveries_of_the_same_goods_record_one_delivery(app):
    from deliveries.models import Delivery
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    with unit_of_work(app):
        order = place(lines=(("B-PEN-001", 10),))
        order_id, line_id = order.id, order.lines[0].id
    answers = race(app, VENDOR, N, f"/vendor/orders/{order_id}/deliveries",
                   {"note_number": "DN-RACE", "delivered_on": today_in_tokyo().isoformat(), f"qty_{line_id}": "10"},
                   page=f"/vendor/orders/{order_id}")
    assert_no_server_errors(answers)
    assert audit_changes(app, "order_line", line_id, "fulfilment", "open", "delivered") == 1
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(Delivery).filter_by(order_id=order_id)) == 1


def test_racing_inspections_of_one_delivery_record_one_inspection(app):
    from deliveries.models import Delivery, Inspection
    from procure.extensions import db
    from tests.catalog_data import delivered_order

    refs = delivered_order(app)
    with unit_of_work(app):
        (line,) = db.session.get(Delivery, refs["delivery"]).lines
        line_id, quantity = line.id, line.quantity
    answers = race(app, ACCOUNTING, N, f"/deliveries/{refs['delivery']}/inspection",
                   {f"accepted_{line_id}": str(quantity), f"rejected_{line_id}": "0"},
                   page=f"/deliveries/{refs['delivery']}")
    assert_no_server_errors(answers)
    assert audit_changes(app, "delivery_line", line_id, "status", "awaiting_inspection", "accepted") == 1
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(Inspection).filter_by(delivery_line_id=line_id)) == 1


# --- tenders and bids -----------------------------------------------------------------------

def _open_tender(app, opening_in=timedelta(days=7)):
    """A stockpile-food tender taking bids now (by the server's clock)."""
    from procure.dbtypes import utcnow
    from tenders import service
    from tests.functional.test_tender_flow import ward_user

    now = utcnow()
    with unit_of_work(app):
        office = user(OFFICE)
        t = service.create_tender(office, "generic", "競合テスト 備蓄食料", now - timedelta(days=1),
                                  now + opening_in, now + opening_in, None)
        service.add_pattern(office, t.id, "rice", "アルファ化米 50食入", [], unit="箱", tax_rate=Decimal("0.08"))
        service.move(office, t.id, "open_demand", now)
        staff = ward_user(app, "131130", "race-131130@example.jp")
        service.join(staff, t.id, now)
        service.enter_pc_demand(staff, t.id, [{"pattern": "rice", "quantity": 300}], now)
        service.move(office, t.id, "publish", now)
        service.move(office, t.id, "open_bidding", now)
        return t.id


def test_racing_first_readers_of_a_tenders_releases_publish_each_release_once(app):
    """Readers fetching a tender's OCDS releases at once, before anyone else: every one is
    answered the same releases, and each release is kept once."""
    import threading

    from procure.extensions import db
    from tenders.models import OcdsRelease

    tender_id = _open_tender(app)
    start, bodies, errors = threading.Barrier(N, timeout=30), [], []

    def one():
        try:
            client = app.test_client()
            start.wait()
            response = client.get(f"/tenders/{tender_id}/ocds.json")
            bodies.append((response.status_code, response.get_json()))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    assert [status for status, _ in bodies] == [200] * N
    assert len({str(body["releases"]) for _, body in bodies}) == 1
    with unit_of_work(app):
        kept = db.session.scalars(select(OcdsRelease.release_id).filter_by(tender_id=tender_id)).all()
    assert sorted(kept) == sorted(r["id"] for r in bodies[0][1]["releases"]) and len(kept) == len(set(kept)) == 1


def _active_bids(app, tender_id, vendor_email):
    from procure.extensions import db
    from tenders.models import Bid

    with unit_of_work(app):
        return db.session.scalar(select(func.count()).select_from(Bid).filter_by(
            tender_id=tender_id, vendor_id=user(vendor_email).vendor_id, status="active"))


def test_racing_bid_submissions_leave_one_active_bid(app):
    tender_id = _open_tender(app)
    for _ in range(2):  # first with no earlier bid, then replacing one
        answers = race(app, VENDOR, N, f"/vendor/tenders/{tender_id}", {"patterns:rice": "11000"},
                       page=f"/vendor/tenders/{tender_id}")
        assert_no_server_errors(answers)
        assert _active_bids(app, tender_id, VENDOR) == 1


def test_racing_withdrawals_withdraw_once(app):
    from procure.extensions import db
    from tenders.models import Bid

    tender_id = _open_tender(app)
    race(app, VENDOR, 1, f"/vendor/tenders/{tender_id}", {"patterns:rice": "11000"}, page=f"/vendor/tenders/{tender_id}")
    with unit_of_work(app):
        bid_id = db.session.scalar(select(Bid.id).filter_by(tender_id=tender_id, status="active"))
    answers = race(app, VENDOR, N, f"/vendor/tenders/{tender_id}", {"action": "withdraw"},
                   page=f"/vendor/tenders/{tender_id}")
    assert_no_server_errors(answers)
    assert audit_changes(app, "bid", bid_id, "status", "active", "withdrawn") == 1


def _tender_at_opening(app):
    """A tender with one bid whose opening time has just come."""
    from procure.extensions import db
    from tenders.models import Tender

    tender_id = _open_tender(app, opening_in=timedelta(seconds=2))
    race(app, VENDOR, 1, f"/vendor/tenders/{tender_id}", {"patterns:rice": "11000"}, page=f"/vendor/tenders/{tender_id}")
    import time

    from procure.dbtypes import utcnow

    with unit_of_work(app):
        wait = db.session.get(Tender, tender_id).opening_at - utcnow()
    time.sleep(max(0.0, wait.total_seconds()) + 0.1)
    return tender_id


def test_racing_office_steps_of_one_tender_each_have_one_winner(app):
    from procure.extensions import db
    from tenders.models import Award, BidEvaluation, Contract

    from tests.helpers import WITNESS

    tender_id = _tender_at_opening(app)
    page = f"/office/tenders/{tender_id}"
    with unit_of_work(app):
        officer = user(OFFICE).id
    # The officer's request to open, raced: recorded once.
    answers = race(app, OFFICE, N, f"/office/tenders/{tender_id}/actions/open_bids", page=page)
    assert_no_server_errors(answers)
    assert audit_changes(app, "tender", tender_id, "opening_requested_by_id", None, officer) == 1
    # Then the witness opens, and the office awards and contracts, each raced.
    for email, action, source, target in ((WITNESS, "open_bids", "bidding", "opened"),
                                          (OFFICE, "award", "evaluation", "awarded"),
                                          (OFFICE, "make_contracts", "awarded", "contracted")):
        answers = race(app, email, N, f"/office/tenders/{tender_id}/actions/{action}", page=page)
        assert_no_server_errors(answers)
        assert audit_changes(app, "tender", tender_id, "status", source, target) == 1, action
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(BidEvaluation)
                                 .join(BidEvaluation.bid).filter_by(tender_id=tender_id)) == 1
        assert db.session.scalar(select(func.count()).select_from(Award).filter_by(tender_id=tender_id)) == 1
        contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender_id)).all()
        assert len(contracts) == 1 and contracts[0].amount == 300 * 11000
        contract_id = contracts[0].id
    # The ward changes the quantity, raced: one change, one amendment, nothing lost.
    ward_page = f"/ward/tenders/{tender_id}"
    answers = race(app, "race-131130@example.jp", N, ward_page, page=ward_page, data={
        "action": "change", "contract_id": contract_id, "line": 0, "quantity": "310", "rationale": "増員"})
    assert_no_server_errors(answers)
    with unit_of_work(app):
        from tenders.models import ContractAmendment

        assert db.session.get(Contract, contract_id).amount == 310 * 11000
        (amendment,) = db.session.scalars(select(ContractAmendment).filter_by(contract_id=contract_id)).all()
        assert (amendment.from_quantity, amendment.to_quantity, amendment.amount_before) == (300, 310, 300 * 11000)


def test_racing_cancellations_cancel_once(app):
    tender_id = _open_tender(app)
    answers = race(app, OFFICE, N, f"/office/tenders/{tender_id}/actions/cancel", page=f"/office/tenders/{tender_id}")
    assert_no_server_errors(answers)
    assert audit_changes(app, "tender", tender_id, "status", "bidding", "cancelled") == 1


# --- invoices and payments ------------------------------------------------------------------

def test_racing_uploads_of_one_invoice_number_store_one_and_answer_422(app):
    import io

    from invoicing.models import Invoice
    from procure.extensions import db
    from tests.functional.test_invoice_upload_and_discrepancies import ubl_for_last_month

    xml, _ = ubl_for_last_month(app)
    answers = race(app, VENDOR, N, "/vendor/invoices/upload", page="/invoices",
                   files=lambda: {"file": (io.BytesIO(xml), "inv.xml")})
    assert_no_server_errors(answers)
    assert [a.status for a in answers].count(302) == 1
    refused = [a for a in answers if a.status != 302]
    assert all(a.status == 422 and "既に使われています" in a.body for a in refused), [a.status for a in refused]
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_racing_invoices_for_the_same_goods_make_one_payable(app):
    """Different invoice numbers, the same 9 accepted pens: each upload's match alone would find
    them unbilled; the billed-units ledger lets one invoice claim them, the others are flagged."""
    import io
    import itertools

    from invoicing.models import BilledUnits, Invoice
    from procure.extensions import db
    from tests.functional.test_invoice_upload_and_discrepancies import ubl_for_last_month

    xml, order_line_id = ubl_for_last_month(app)
    numbers = itertools.count(1)
    answers = race(app, VENDOR, N, "/vendor/invoices/upload", page="/invoices",
                   files=lambda: {"file": (io.BytesIO(xml.replace(b"OWN-", f"OWN{next(numbers)}-".encode())),
                                           "inv.xml")})
    assert_no_server_errors(answers)
    with unit_of_work(app):
        invoices = db.session.scalars(select(Invoice)).all()
        assert len(invoices) >= 2
        assert [i.status for i in invoices].count("payable") == 1, [i.status for i in invoices]
        flagged = [i for i in invoices if i.status == "discrepancy"]
        assert all("already_billed" in {d["code"] for d in i.lines[0].discrepancies} for i in flagged)
        ledger = db.session.scalars(select(BilledUnits).filter_by(kind="order_line", ref_id=order_line_id)).one()
        assert (ledger.billed, ledger.accepted) == (Decimal(9), Decimal(9))


def test_racing_settlements_of_one_line_settle_it_once(app):
    from invoicing.models import Invoice
    from invoicing.upload import upload_ubl
    from procure.extensions import db
    from tests.functional.test_invoice_upload_and_discrepancies import ubl_for_last_month

    xml, _ = ubl_for_last_month(app, quantity=10)
    with unit_of_work(app):
        invoice = upload_ubl(user(VENDOR), xml)
        invoice_id, line_id = invoice.id, invoice.lines[0].id
    answers = race(app, ACCOUNTING, N, f"/invoices/{invoice_id}/lines/{line_id}/resolution",
                   {"resolution": "credit_note", "note": "1本分を赤伝で", "credit_amount": "68"},
                   page=f"/invoices/{invoice_id}")
    assert_no_server_errors(answers)
    assert audit_changes(app, "invoice", invoice_id, "status", "discrepancy", "payable") == 1
    with unit_of_work(app):
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.credit, invoice.payable_amount) == ("payable", Decimal(75), Decimal(673))


def test_racing_zengin_payments_and_confirmations_pay_once(app):
    from invoicing.models import Invoice, Payment, ZenginBatch
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from tests.functional.test_failure_injection import _all_wards_invoices

    year, month, _ = inspected_last_month(app)
    with unit_of_work(app):
        (invoice,) = _all_wards_invoices(year, month)
        invoice_id = invoice.id
    from invoicing.payments import earliest_transfer_date

    transfer_day = earliest_transfer_date(today_in_tokyo(), 1)
    answers = race(app, ACCOUNTING, N, "/ward/payments",
                   {"invoice_id": str(invoice_id), "transfer_date": transfer_day.isoformat()}, page="/ward/payments")
    assert_no_server_errors(answers)
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(ZenginBatch)) == 1
        batch_id = db.session.scalar(select(ZenginBatch.id))
    for step, source, target in (("send", "created", "sent"), ("confirm", "sent", "completed")):
        if step == "confirm":
            app.config["TODAY"] = transfer_day  # the transfer date has come
        answers = race(app, ACCOUNTING, N, f"/ward/payments/zengin/{batch_id}/{step}", page="/ward/payments")
        assert_no_server_errors(answers)
        assert audit_changes(app, "zengin_batch", batch_id, "status", source, target) == 1
    assert audit_changes(app, "invoice", invoice_id, "status", "payment_pending", "paid") == 1
    with unit_of_work(app):
        payment = db.session.scalar(select(Payment))
        assert (payment.status, payment.amount) == ("succeeded", Decimal(748))
        assert db.session.get(Invoice, invoice_id).status == "paid"


# --- card payments and their retry (localstripe) ----------------------------------------------

@pytest.fixture
def card_app(database_url, tmp_path, localstripe):
    from tests.helpers import stripe_test_app

    with stripe_test_app(database_url, tmp_path / "uploads", localstripe) as app:
        yield app


@pytest.fixture
def localstripe():
    """A server of its own per test: invoice ids repeat from one test database to the next."""
    from tests.localstripe_server import running_localstripe

    with running_localstripe() as base_url:
        yield base_url


def _card_invoice(app):
    from tests.functional.test_failure_injection import _all_wards_invoices

    year, month, _ = inspected_last_month(app)
    with unit_of_work(app):
        (invoice,) = _all_wards_invoices(year, month)
        return invoice.id


def _charges(app, invoice_id):
    from invoicing.stripe_gateway import StripeGateway

    gateway = StripeGateway("sk_test_procure", app.config["STRIPE_API_BASE"])
    return [i for i in gateway.payment_intents() if i.metadata.get("invoice_id") == str(invoice_id)
            and i.status == "succeeded"]


@pytest.mark.parametrize("retry", [False, True], ids=["first attempt", "retry after a decline"])
def test_racing_card_payments_pay_once(card_app, retry):
    from invoicing import payments
    from invoicing.models import Invoice, Payment
    from invoicing.stripe_gateway import StripeGateway
    from procure.extensions import db

    app = card_app
    invoice_id = _card_invoice(app)
    if retry:
        class DecliningCard(StripeGateway):
            def pay(self, *args, **kwargs):
                return super().pay(*args, payment_method="pm_card_chargeCustomerFail", **kwargs)

        with unit_of_work(app):
            with pytest.raises(payments.PaymentError):
                payments.pay_by_stripe(user(ACCOUNTING), invoice_id, DecliningCard("sk_test_procure",
                                                                                   app.config["STRIPE_API_BASE"]))
    answers = race(app, ACCOUNTING, N, f"/invoices/{invoice_id}/stripe", {"amount": "748", "confirm": "yes"},
                   page=f"/invoices/{invoice_id}")
    assert_no_server_errors(answers)
    if retry:
        with unit_of_work(app):
            payment_id = db.session.scalar(select(Payment.id).filter_by(invoice_id=invoice_id))
        assert audit_changes(app, "payment", payment_id, "status", "failed", "pending") == 1
    assert audit_changes(app, "invoice", invoice_id, "status", "payment_pending", "paid") == 1
    with unit_of_work(app):
        payment = db.session.scalar(select(Payment).filter_by(invoice_id=invoice_id))
        assert (payment.status, payment.attempt, payment.amount) == ("succeeded", 2 if retry else 1, Decimal(748))
        assert db.session.get(Invoice, invoice_id).status == "paid"
    assert len(_charges(app, invoice_id)) == 1  # charged once at the provider

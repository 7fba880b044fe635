"""Paying an invoice through Stripe: the real `stripe` library against a local localstripe server
started by the tests. Paid once even when clicked twice at once; webhooks verified and idempotent."""
import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import func, select

from tests.catalog_data import inspected_last_month, user
from tests.functional.test_invoicing import generate
from tests.helpers import STRIPE_WEBHOOK_SECRET, csrf_token, make_app, run_concurrently, stripe_test_app, unit_of_work
from tests.localstripe_server import running_localstripe

ACCOUNTING = "inspector@shibuya.example.jp"
SECRET = STRIPE_WEBHOOK_SECRET


@pytest.fixture(scope="module")
def localstripe():
    with running_localstripe() as base_url:
        yield base_url


@pytest.fixture
def stripe_app(database_url, tmp_path, localstripe):
    with stripe_test_app(database_url, tmp_path / "uploads", localstripe) as app:
        yield app


def payable_invoice(app):
    year, month, _ = inspected_last_month(app)
    return generate(app, year, month)[0]


def signed(payload: dict, secret=SECRET, timestamp=None):
    body = json.dumps(payload).encode()
    ts = int(timestamp or time.time())
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={ts},v1={signature}", "Content-Type": "application/json"}


def test_pay_by_card_marks_the_invoice_paid(stripe_app):
    from invoicing.models import Invoice, Payment
    from procure.extensions import db

    invoice_id = payable_invoice(stripe_app)
    client = stripe_app.test_client()
    from tests.helpers import sign_in

    sign_in(client, ACCOUNTING)
    token = csrf_token(client, f"/invoices/{invoice_id}")
    url = f"/invoices/{invoice_id}/stripe"
    unconfirmed = client.post(url, data={"csrf_token": token, "amount": "748"}, follow_redirects=True)
    assert "確認欄にチェック" in unconfirmed.get_data(as_text=True)
    stale = client.post(url, data={"csrf_token": token, "amount": "800", "confirm": "yes"}, follow_redirects=True)
    assert "請求額が変わりました" in stale.get_data(as_text=True)
    with unit_of_work(stripe_app):
        assert db.session.scalar(select(Payment)) is None  # neither charged anything
    response = client.post(url, data={"csrf_token": token, "amount": "748", "confirm": "yes"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "支払いました" in page, page[page.find("<main"):page.find("</main>")][:1500]
    with unit_of_work(stripe_app):
        payment = db.session.scalar(select(Payment))
        assert (payment.status, payment.amount, payment.method) == ("succeeded", 748, "stripe")
        assert payment.stripe_intent_id.startswith("pi_")
        assert db.session.get(Invoice, invoice_id).status == "paid"


def test_two_simultaneous_payments_charge_once(stripe_app):
    from invoicing import payments
    from invoicing.models import Payment
    from invoicing.stripe_gateway import StripeGateway
    from procure.extensions import db

    invoice_id = payable_invoice(stripe_app)
    gateway = StripeGateway("sk_test_procure", stripe_app.config["STRIPE_API_BASE"])
    results = run_concurrently(stripe_app, 4,
                               lambda: payments.pay_by_stripe(user(ACCOUNTING), invoice_id, gateway).status)
    outcomes = [r if not isinstance(r, Exception) else f"refused: {r}" for r in results]
    assert all(isinstance(r, payments.PaymentError) for r in results if isinstance(r, Exception)), outcomes
    assert outcomes.count("succeeded") == 1, outcomes
    with unit_of_work(stripe_app):
        assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_declined_card_leaves_the_invoice_payable_and_a_retry_pays(stripe_app):
    from invoicing import payments
    from invoicing.models import Invoice, Payment
    from invoicing.stripe_gateway import StripeGateway
    from procure.extensions import db

    class DecliningCard(StripeGateway):
        def pay(self, *args, **kwargs):
            return super().pay(*args, payment_method="pm_card_chargeCustomerFail", **kwargs)

    invoice_id = payable_invoice(stripe_app)
    base = stripe_app.config["STRIPE_API_BASE"]
    with unit_of_work(stripe_app):
        with pytest.raises(payments.PaymentError):
            payments.pay_by_stripe(user(ACCOUNTING), invoice_id, DecliningCard("sk_test_procure", base))
        assert db.session.get(Invoice, invoice_id).status == "payable"
        assert db.session.scalar(select(Payment)).status == "failed"
        payment = payments.pay_by_stripe(user(ACCOUNTING), invoice_id, StripeGateway("sk_test_procure", base))
        assert (payment.status, payment.attempt) == ("succeeded", 2)


def test_webhook_is_verified_and_a_replay_is_ignored(stripe_app):
    from invoicing import payments
    from invoicing.models import Payment, StripeEvent
    from invoicing.stripe_gateway import StripeGateway
    from procure.extensions import db

    invoice_id = payable_invoice(stripe_app)
    with unit_of_work(stripe_app):
        payment = payments.pay_by_stripe(user(ACCOUNTING), invoice_id,
                                         StripeGateway("sk_test_procure", stripe_app.config["STRIPE_API_BASE"]))
        intent_id = payment.stripe_intent_id
    client = stripe_app.test_client()
    event = {"id": "evt_test_1", "object": "event", "type": "payment_intent.succeeded",
             "data": {"object": {"id": intent_id, "object": "payment_intent", "metadata": {}}}}
    body, headers = signed(event)
    assert client.post("/webhooks/stripe", data=body, headers=headers).get_json() == {"result": "unchanged"}
    assert client.post("/webhooks/stripe", data=body, headers=headers).get_json() == {"result": "duplicate"}
    bad_body, bad_headers = signed(event | {"id": "evt_test_2"}, secret="whsec_wrong")
    assert client.post("/webhooks/stripe", data=bad_body, headers=bad_headers).status_code == 400
    stale_body, stale_headers = signed(event | {"id": "evt_test_3"}, timestamp=time.time() - 3600)
    assert client.post("/webhooks/stripe", data=stale_body, headers=stale_headers).status_code == 400
    with unit_of_work(stripe_app):
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
        assert db.session.scalar(select(Payment)).status == "succeeded"


def test_webhook_changes_are_the_named_system_actors(stripe_app):
    """A declined card, then Stripe's webhook says the charge went through: the audit log names
    the webhook, not an anonymous caller."""
    from invoicing import payments
    from invoicing.models import Payment
    from invoicing.stripe_gateway import StripeGateway
    from invoicing.webhooks import WEBHOOK_ACTOR
    from procure.audit import AuditLog
    from procure.extensions import db

    class DecliningCard(StripeGateway):
        def pay(self, *args, **kwargs):
            return super().pay(*args, payment_method="pm_card_chargeCustomerFail", **kwargs)

    invoice_id = payable_invoice(stripe_app)
    with unit_of_work(stripe_app):
        with pytest.raises(payments.PaymentError):
            payments.pay_by_stripe(user(ACCOUNTING), invoice_id,
                                   DecliningCard("sk_test_procure", stripe_app.config["STRIPE_API_BASE"]))
        payment_id = db.session.scalar(select(Payment.id))
    body, headers = signed({"id": "evt_actor_1", "object": "event", "type": "payment_intent.succeeded",
                            "data": {"object": {"id": "pi_unknown", "object": "payment_intent",
                                                "metadata": {"payment_id": str(payment_id)}}}})
    assert stripe_app.test_client().post("/webhooks/stripe", data=body, headers=headers).get_json() == {"result": "paid"}
    with unit_of_work(stripe_app):
        rows = db.session.scalars(select(AuditLog).where(AuditLog.entity.in_(["payment", "invoice"]),
                                                         AuditLog.after.is_not(None))).all()
        paid = [r for r in rows if r.after.get("status") in ("paid", "succeeded")]
        assert len(paid) == 2 and {r.actor for r in paid} == {WEBHOOK_ACTOR}
        assert not [r for r in rows if r.actor.startswith("anonymous")]


def test_unknown_outcome_stays_pending_and_is_retried_with_the_same_key(stripe_app):
    from invoicing import payments
    from invoicing.models import Invoice, Payment
    from invoicing.stripe_gateway import StripeGateway
    from procure.extensions import db
    from tests.localstripe_server import _free_port

    invoice_id = payable_invoice(stripe_app)
    unreachable = StripeGateway("sk_test_procure", f"http://127.0.0.1:{_free_port()}")  # nothing listens
    with unit_of_work(stripe_app):
        with pytest.raises(payments.PaymentError, match="二重には請求されません"):
            payments.pay_by_stripe(user(ACCOUNTING), invoice_id, unreachable)
        payment = db.session.scalar(select(Payment))
        assert (payment.status, payment.failure) == ("pending", payments.UNCERTAIN)
        assert db.session.get(Invoice, invoice_id).status == "payment_pending"
        key = payment.idempotency_key
        paid = payments.pay_by_stripe(user(ACCOUNTING), invoice_id,
                                      StripeGateway("sk_test_procure", stripe_app.config["STRIPE_API_BASE"]))
        assert (paid.status, paid.attempt, paid.idempotency_key) == ("succeeded", 1, key)


def test_a_fault_at_any_write_of_a_card_payment_is_recoverable_and_pays_once(stripe_app):
    """Before the claim is committed a database fault changes nothing; after it (Stripe has
    charged, recording the outcome fails) the payment stays 決済中 with its idempotency key: a retry
    at once is refused, the webhook settles it, and once the claim is stale the ward's retry asks
    Stripe again with the same key. Each ends with the invoice paid once."""
    from invoicing import payments
    from invoicing.models import Invoice, Payment
    from invoicing.stripe_gateway import StripeGateway
    from procure.extensions import db
    from sqlalchemy import update
    from sqlalchemy.exc import OperationalError
    from tests.faults import WriteFault, differences, snapshot

    gateway = StripeGateway("sk_test_procure", stripe_app.config["STRIPE_API_BASE"])
    with stripe_app.app_context():
        engine = db.engine

    def pay(invoice_id):
        with unit_of_work(stripe_app):
            payment = payments.pay_by_stripe(user(ACCOUNTING), invoice_id, gateway)
            return payment.status, payment.attempt, payment.idempotency_key

    # How many writes the claim takes (committed at its checkpoint) and how many follow it.
    first = payable_invoice(stripe_app)
    commits = []
    with WriteFault(engine) as counter:
        from sqlalchemy import event

        listener = lambda conn: commits.append(counter.writes)  # noqa: E731
        event.listen(engine, "commit", listener)
        try:
            pay(first)
        finally:
            event.remove(engine, "commit", listener)
    claim, total = commits[0], counter.writes
    assert 0 < claim < total, (commits, counter.statements)

    for at in range(1, total + 1):
        with unit_of_work(stripe_app):
            invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.status == "payable"))
        if invoice_id is None:
            invoice_id = payable_invoice(stripe_app)
        before = snapshot(stripe_app)
        with WriteFault(engine, fail_at=at), pytest.raises(OperationalError, match="injected fault"):
            pay(invoice_id)
        if at <= claim:
            assert not differences(before, snapshot(stripe_app)), f"fault at write {at} left changes"
            assert pay(invoice_id)[0] == "succeeded"
            continue
        with unit_of_work(stripe_app):
            payment = db.session.scalar(select(Payment).filter_by(invoice_id=invoice_id))
            assert (payment.status, payment.failure) == ("pending", payments.IN_FLIGHT), at
            assert db.session.get(Invoice, invoice_id).status == "payment_pending"
            key, payment_id = payment.idempotency_key, payment.id
        with pytest.raises(payments.PaymentError, match="支払処理中"):
            pay(invoice_id)
        if at % 2:  # Stripe's webhook settles it
            with unit_of_work(stripe_app):
                event_id = f"evt_fault_{at}_{invoice_id}"
                assert payments.handle_stripe_event(
                    {"id": event_id, "type": "payment_intent.succeeded",
                     "data": {"object": {"id": None, "metadata": {"payment_id": str(payment_id)}}}}) == "paid"
        else:  # the claim goes stale: the ward's retry asks again with the same key
            with unit_of_work(stripe_app):
                claimed = db.session.get(Payment, payment_id).created_at
                db.session.execute(update(Payment).where(Payment.id == payment_id).values(
                    created_at=claimed - payments.CLAIM_STALE))
            assert pay(invoice_id) == ("succeeded", 1, key)
        with unit_of_work(stripe_app):
            assert db.session.get(Invoice, invoice_id).status == "paid"
            assert db.session.scalar(select(func.count()).select_from(Payment).filter_by(invoice_id=invoice_id)) == 1


class FrozenProvider:
    """A stand-in for a Stripe that accepts connections and never answers. `check()` runs on each
    connection, while the app waits for an answer."""

    def __init__(self, check):
        import socket
        import threading

        self.check, self.seen, self.sockets = check, [], []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.sockets.append(conn)
            self.seen.append(self.check())

    def close(self):
        for conn in self.sockets:
            conn.close()
        self.server.close()


def test_a_frozen_provider_holds_no_transaction_and_ends_within_the_bound(database_url, tmp_path):
    """The payment request ends within its bound (1 s read timeout, 1 retry here), no database
    connection is checked out and no transaction is open while Stripe is waited for, and the
    payment is left 結果不明 to be retried with the same key."""
    import time

    from invoicing import payments
    from invoicing.models import Invoice, Payment
    from procure.extensions import db
    from sqlalchemy import text
    from tests.helpers import sign_in

    def open_transactions():
        with app.app_context():
            checked_out = db.engine.pool.checkedout()
            idle_in_transaction = None
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    idle_in_transaction = conn.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")).scalar()
            return checked_out, idle_in_transaction

    frozen = FrozenProvider(lambda: open_transactions())
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), STRIPE_SECRET_KEY="sk_test_procure",
                   STRIPE_API_BASE=frozen.url, STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_READ_TIMEOUT=1.0,
                   STRIPE_MAX_RETRIES=1)
    try:
        invoice_id = payable_invoice(app)
        client = app.test_client()
        sign_in(client, ACCOUNTING)
        token = csrf_token(client, f"/invoices/{invoice_id}")
        started = time.monotonic()
        response = client.post(f"/invoices/{invoice_id}/stripe", data={"csrf_token": token, "amount": "748",
                                                                       "confirm": "yes"}, follow_redirects=True)
        elapsed = time.monotonic() - started
        assert "決済の結果を確認できませんでした" in response.get_data(as_text=True)
        assert elapsed < 2 * 1.0 + 4, elapsed  # two attempts of 1 s, the library's back-off, the app's own work
        assert len(frozen.seen) == 2 and all(seen in ((0, None), (0, 0)) for seen in frozen.seen), frozen.seen
        with unit_of_work(app):
            payment = db.session.scalar(select(Payment))
            assert (payment.status, payment.failure) == ("pending", payments.UNCERTAIN)
            assert db.session.get(Invoice, invoice_id).status == "payment_pending"
    finally:
        frozen.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

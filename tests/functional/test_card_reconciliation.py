"""Reconciling card payments with the provider: against a localstripe of its own that ignores
idempotency keys (as localstripe itself does), so that a duplicate charge can be made on purpose.
The office starts the reconciliation (a job) and sees each finding, and its home lists them."""
import pytest
from sqlalchemy import select, update

from tests.catalog_data import inspected_last_month, user
from tests.functional.test_stripe_payments import ACCOUNTING, SECRET
from tests.helpers import csrf_token, make_app, sign_in, unit_of_work
from tests.localstripe_server import _free_port, running_localstripe


@pytest.fixture
def forgetful_stripe():
    with running_localstripe(idempotency=False) as base_url:
        yield base_url


def _invoices(app, wards=("staff@shibuya.example.jp", "staff@setagaya.example.jp")):
    """One payable invoice in each of these wards (the bunguya vendor, last month)."""
    from tests.functional.test_failure_injection import _all_wards_invoices

    year = month = None
    for email in wards:
        year, month, _ = inspected_last_month(app, email=email)
    with unit_of_work(app):
        return {i.ward.code: i.id for i in _all_wards_invoices(year, month)}


def test_reconciliation_flags_a_duplicate_a_charge_unknown_to_stripe_and_an_unrecorded_one(
        database_url, tmp_path, forgetful_stripe):
    from invoicing import payments
    from invoicing.models import CardFinding, Invoice, Payment
    from invoicing.stripe_gateway import StripeGateway
    from procure.extensions import db

    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), STRIPE_SECRET_KEY="sk_test_procure",
                   STRIPE_API_BASE=forgetful_stripe, STRIPE_WEBHOOK_SECRET=SECRET)
    gateway = StripeGateway("sk_test_procure", forgetful_stripe)
    made = _invoices(app)
    shibuya, setagaya = made["131130"], made["131121"]
    with unit_of_work(app):
        paid = payments.pay_by_stripe(user(ACCOUNTING), shibuya, gateway)
        key = paid.idempotency_key
        # The same request again: a provider that ignores the key charges a second time.
        gateway.pay(748, key, {"invoice_id": str(shibuya), "payment_id": str(paid.id)})
        # An uncertain outcome: the charge went through, we could not learn it.
        setagaya_user = _setagaya_payer()
        unreachable = StripeGateway("sk_test_procure", f"http://127.0.0.1:{_free_port()}", read_timeout=1,
                                    max_retries=0)
        with pytest.raises(payments.PaymentError):
            payments.pay_by_stripe(setagaya_user, setagaya, unreachable)
        pending = db.session.scalar(select(Payment).filter_by(invoice_id=setagaya))
        gateway.pay(int(pending.amount), pending.idempotency_key,
                    {"invoice_id": str(setagaya), "payment_id": str(pending.id)})
    third = _invoices(app, wards=("staff@shibuya.example.jp",))["131130"]
    with unit_of_work(app):
        payments.pay_by_stripe(user(ACCOUNTING), third, gateway)
        # Our record names a charge the provider never made.
        db.session.execute(update(Payment).where(Payment.invoice_id == third).values(stripe_intent_id="pi_not_there"))

    client = app.test_client()
    sign_in(client, "office@example.jp")
    page = "/office/payments/reconciliation"
    response = client.post(page, data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("=", 1)[1])
    app.extensions["jobs"].wait(job_id, 60)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "二重に決済されています" in shown and "決済サービスに成功した決済がありません" in shown
    assert "支払として記録されていません" in shown
    with unit_of_work(app):
        found = {(f.invoice_id, f.kind) for f in db.session.scalars(select(CardFinding))}
        assert found == {(shibuya, "duplicate"), (setagaya, "unrecorded"), (third, "unknown_to_provider")}
        numbers = [db.session.get(Invoice, i).number for i in (shibuya, setagaya, third)]
    assert all(number in shown for number in numbers)
    home = client.get("/office/").get_data(as_text=True)
    assert "カード決済の照合で要確認の決済: 3" in home

    # Found again: nothing new. Once settled (the webhook records the unrecorded charge), closed.
    with unit_of_work(app):
        assert payments.handle_stripe_event({"id": "evt_rec_1", "type": "payment_intent.succeeded", "data": {
            "object": {"id": None, "metadata": {"payment_id": str(pending.id)}}}}) == "paid"
        db.session.execute(update(Payment).where(Payment.invoice_id == setagaya).values(
            stripe_intent_id=db.session.scalars(select(CardFinding.intents).filter_by(invoice_id=setagaya)).one()[0]))
    from invoicing.reconciliation import reconcile_card_payments
    from procure.dbtypes import utcnow

    with unit_of_work(app):
        result = reconcile_card_payments(gateway, utcnow())
        assert (result["found"], result["new"], result["resolved"]) == (2, 0, 1)
        open_kinds = {f.kind for f in db.session.scalars(select(CardFinding).where(CardFinding.resolved_at.is_(None)))}
        assert open_kinds == {"duplicate", "unknown_to_provider"}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _setagaya_payer():
    from procure.extensions import db
    from procure.models import Role, User

    staff = user("staff@setagaya.example.jp")
    payer = db.session.scalar(select(User).filter_by(ward_id=staff.ward_id, role=Role.WARD_INSPECTOR))
    if payer is None:
        payer = User(email="payer-setagaya@example.jp", name="会計 担当", role=Role.WARD_INSPECTOR,
                     ward_id=staff.ward_id)
        payer.set_password("demo-password")
        db.session.add(payer)
        db.session.flush()
    return payer


def test_two_reconciliations_at_once_record_each_finding_once(app):
    """Two office users start a reconciliation at the same moment: the second, reading while the
    first has written but not yet committed, waits for it and keeps its findings; no finding is
    opened twice and neither run fails."""
    import threading
    import time

    from invoicing import reconcile
    from invoicing.models import CardFinding
    from invoicing.reconciliation import record_findings
    from procure.dbtypes import utcnow
    from procure.extensions import db

    invoice_id = _invoices(app, wards=("staff@shibuya.example.jp",))["131130"]
    found = [reconcile.Finding(invoice_id, reconcile.DUPLICATE, ("pi_a", "pi_b"))]
    first_wrote, results, errors = threading.Event(), [], []

    def first():
        try:
            with unit_of_work(app, each_use_case=False):
                results.append(record_findings(found, utcnow()))
                first_wrote.set()
                time.sleep(0.5)  # not yet committed while the second starts
        except Exception as exc:  # noqa: BLE001  (asserted below)
            errors.append(exc)
            first_wrote.set()

    def second():
        try:
            assert first_wrote.wait(30)
            with unit_of_work(app):
                results.append(record_findings(found, utcnow()))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and [r["new"] for r in results] == [1, 0]
    with unit_of_work(app):
        rows = db.session.scalars(select(CardFinding).filter_by(invoice_id=invoice_id)).all()
        assert [(r.kind, r.resolved_at) for r in rows] == [(reconcile.DUPLICATE, None)]

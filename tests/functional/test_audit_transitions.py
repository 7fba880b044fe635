"""Every transition of every state machine leaves its audit row: who, when, before and after.

Each test walks one group of machines through the real use cases, every edge of the machine's
table at least once, then reads the audit log: an update row with the edge's source before and
its target after, and an actor, for each edge; and every audited entity born (a "create" row) in
one of its machine's initial states. A transition added to a machine without a code path that
records it fails here, as does a code path that writes a state without the audit log seeing it.
"""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from catalog import states as catalog
from costshares import states as costshares
from deliveries import states as deliveries
from invoicing import states as invoicing
from procure import states as jobs
from tenders import lifecycle
from tenders import states as tenders
from tests.catalog_data import catalog_row, catalog_xlsx, inspected_last_month, place, user
from tests.functional.test_tender_flow import CLOSES, OPENING, OPENS, T0, ward_user
from tests.helpers import open_witnessed, unit_of_work

OFFICE = "office@example.jp"
VENDOR = "vendor@bunguya.example.jp"
APPROVER = "approver@shibuya.example.jp"
ACCOUNTING = "inspector@shibuya.example.jp"

# machine -> the audit log's entity, and whether its rows are born with a "create" entry.
ENTITIES = {machine.name: entity for machine, entity in (
    (invoicing.INVOICE, ("invoice", True)), (invoicing.PAYMENT, ("payment", True)),
    (invoicing.ZENGIN_BATCH, ("zengin_batch", True)),
    (catalog.CATALOG_VERSION, ("catalog_version", True)), (catalog.ORDER, ("purchase_order", True)),
    (catalog.ORDER_LINE_APPROVAL, ("order_line", True)), (catalog.ORDER_LINE_FULFILMENT, ("order_line", True)),
    (deliveries.DELIVERY_LINE, ("delivery_line", False)),  # a derived state: no column, no create row
    (jobs.JOB, ("job", False)),  # jobs are not an audited model: their steps are guarded UPDATEs
    (tenders.TENDER, ("tender", True)), (tenders.BID, ("bid", True)),
    (costshares.COST_SHARE, ("cost_share_bill", True)))}
ALL_MACHINES = (*invoicing.MACHINES, *catalog.MACHINES, *deliveries.MACHINES, *jobs.MACHINES, *tenders.MACHINES,
                *costshares.MACHINES)


def last_audit_id(app) -> int:
    """Where the demo seed's rows end: what a test does comes after."""
    from sqlalchemy import func

    from procure.audit import AuditLog
    from procure.extensions import db

    with unit_of_work(app):
        return db.session.scalar(select(func.max(AuditLog.id))) or 0


def audit_rows(app, entity, since=0):
    from procure.audit import AuditLog
    from procure.extensions import db

    with unit_of_work(app):
        return [(r.action, r.actor, r.before or {}, r.after or {}) for r in db.session.scalars(
            select(AuditLog).filter(AuditLog.entity == entity, AuditLog.id > since).order_by(AuditLog.id))]


def assert_every_edge_audited(app, since, *machines):
    for machine in machines:
        entity, born_audited = ENTITIES[machine.name]
        attribute = machine.attribute
        rows = audit_rows(app, entity, since)
        seen = {(before.get(attribute), after[attribute]) for action, actor, before, after in rows
                if action == "update" and attribute in after and actor}
        missing = [f"{s} -{a}-> {t}" for s, a, t in machine.edges() if (s, t) not in seen]
        assert not missing, f"{machine.name}: no audit row for {missing}"
        unknown = seen - {(s, t) for s, _, t in machine.edges()}
        assert not unknown, f"{machine.name}: audited changes no transition allows: {sorted(unknown)}"
        if born_audited:
            born = {after.get(attribute) for action, _, _, after in rows if action == "create"}
            assert born and born <= machine.initial, f"{machine.name}: born in {born - machine.initial}"


def test_every_machine_is_walked_below():
    names = {m.name for m in ALL_MACHINES}
    assert len(names) == len(ALL_MACHINES) and set(ENTITIES) == names
    assert {m.name for m in (*CATALOG_WALK, *INVOICING_WALK, *TENDER_WALK, *COST_SHARE_WALK)} == names


# --- catalog versions, orders, order lines, deliveries, jobs --------------------------------

CATALOG_WALK = (catalog.CATALOG_VERSION, catalog.ORDER, catalog.ORDER_LINE_APPROVAL, catalog.ORDER_LINE_FULFILMENT,
                deliveries.DELIVERY_LINE, jobs.JOB)


def failing_job(job_id, progress):
    """A job whose work fails (a stand-in for any unexpected error in a job's work)."""
    progress(1, 2, "途中まで")
    raise RuntimeError("作業に失敗しました")


def walk_job_by_hand(app, failed_id):
    """A worker dying (lease run out: requeue), its owner cancelling a waiting and a running job
    and running a cancelled and a failed one again: stepped here with no worker thread about."""
    from sqlalchemy import update

    from procure import jobs as job_runner
    from procure.dbtypes import utcnow
    from procure.extensions import db
    from procure.jobs import runner

    backend = app.extensions["jobs"].backend
    backend.workers = 0
    for thread in backend.threads:
        thread.join(10)
    with unit_of_work(app):
        job_id = job_runner.submit("test", f"{__name__}:failing_job", owner_id=user(VENDOR).id).id
    with app.app_context():
        owner = user(VENDOR)
        assert runner.claim(job_id)  # queued -> running
        with db.engine.begin() as conn:  # its worker dies: the lease runs out
            conn.execute(update(job_runner.Job).where(job_runner.Job.id == job_id).values(
                lease_until=utcnow() - timedelta(seconds=1)))
        assert runner.reap() == [job_id]  # running -> queued
        assert runner.cancel(owner, job_id)  # queued -> cancelled
        assert runner.retry(owner, job_id)  # cancelled -> queued
        assert runner.claim(job_id)
        assert runner.cancel(owner, job_id)  # running -> cancelled
        assert runner.retry(owner, failed_id)  # failed -> queued
        db.session.remove()
    backend.workers = 2
    app.extensions["jobs"].wait(failed_id, 60)  # runs (and fails) again


def test_catalog_orders_deliveries_and_jobs_walk_every_transition(app, client, login):
    from catalog.fulfilment import confirm_order, ship
    from catalog.ordering import decide_line
    from catalog.versions import review
    from deliveries.inspection import InspectionEntry
    from deliveries.services import inspect_delivery
    from procure import jobs as job_runner
    from procure.formatting import today_in_tokyo
    from tests.functional.test_catalog_versions import upload

    since = last_audit_id(app)
    login(VENDOR)
    approved = upload(app, client, catalog_xlsx([catalog_row("W-1")]))
    rejected = upload(app, client, catalog_xlsx([catalog_row("W-2")]))
    upload(app, client, b"PK\x03\x04 not really a zip")  # uploaded -> invalid
    today = today_in_tokyo()
    with unit_of_work(app):
        review(user(OFFICE), approved, True, today + timedelta(days=1), None, today)
        review(user(OFFICE), rejected, False, None, "価格根拠を添付してください", today)
        failed = job_runner.submit("test", f"{__name__}:failing_job", owner_id=user(VENDOR).id)
        failed_id = failed.id
    app.extensions["jobs"].wait(failed_id, 60)
    walk_job_by_hand(app, failed_id)

    over_limit = (("B-PPR-001", 60), ("B-PEN-001", 10))  # over 50,000 yen: both lines wait for approval
    with unit_of_work(app):
        orders = [place(lines=over_limit) for _ in range(3)]
        ids = [[line.id for line in order.lines] for order in orders]
    with unit_of_work(app):
        approver = user(APPROVER)
        for line_id in ids[0]:
            decide_line(approver, line_id, True)  # pending -> approved
        for line_id in ids[1]:
            decide_line(approver, line_id, False, "予算超過")  # pending -> rejected
        decide_line(approver, ids[2][0], True)
        decide_line(approver, ids[2][1], False, "不要")  # pending -> partly approved
        vendor = user(VENDOR)
        confirm_order(vendor, orders[0].id)  # open -> confirmed
        first = ship(vendor, orders[0].id, "DN-W-1", today, {ids[0][0]: 60, ids[0][1]: 10})  # confirmed -> delivered
        second = ship(vendor, orders[2].id, "DN-W-2", today, {ids[2][0]: 60})  # open -> delivered
        lines = [*first.lines, *second.lines]
    with unit_of_work(app):
        inspector = user(ACCOUNTING)
        inspect_delivery(inspector, first.id, [InspectionEntry(lines[0].id, 60, 0, None),  # accepted
                                               InspectionEntry(lines[1].id, 8, 2, "破損")])  # partly accepted
        inspect_delivery(inspector, second.id, [InspectionEntry(lines[2].id, 0, 60, "品違い")])  # rejected
    assert_every_edge_audited(app, since, *CATALOG_WALK)
    failure = [after for action, _, _, after in audit_rows(app, "job", since) if after.get("status") == "failed"]
    assert failure and failure[0]["error"] == "作業に失敗しました"  # no traceback, no server paths


# --- invoices and payments ------------------------------------------------------------------

INVOICING_WALK = (invoicing.INVOICE, invoicing.PAYMENT, invoicing.ZENGIN_BATCH)


def test_invoices_and_payments_walk_every_transition(stripe_app):
    from dataclasses import replace
    from datetime import date

    from invoicing import payments, service
    from invoicing.models import Invoice, Payment
    from invoicing.stripe_gateway import StripeGateway
    from invoicing.ubl import parse_ubl_xml, to_ubl_xml
    from invoicing.upload import upload_ubl
    from procure.extensions import db
    from procure.formatting import today_in_tokyo
    from tests.functional.test_invoice_upload_and_discrepancies import ubl_for_last_month

    app = stripe_app
    base = app.config["STRIPE_API_BASE"]
    card = StripeGateway("sk_test_procure", base)

    class DecliningCard(StripeGateway):
        def pay(self, *args, **kwargs):
            return super().pay(*args, payment_method="pm_card_chargeCustomerFail", **kwargs)

    declining = DecliningCard("sk_test_procure", base)
    since = last_audit_id(app)
    too_many, _ = ubl_for_last_month(app, quantity=8)  # 8 billed, 9 accepted: a discrepancy one may accept
    wrong_price, _ = ubl_for_last_month(app, price="70")  # the contract price is 68
    matching, _ = ubl_for_last_month(app)
    with unit_of_work(app):
        vendor, accounting = user(VENDOR), user(ACCOUNTING)
        settled = upload_ubl(vendor, too_many)
        service.resolve_line(accounting, settled.lines[0].id, "accept", "数量は納品書で確認済み")  # -> payable
        corrected = upload_ubl(vendor, wrong_price)
        service.resolve_line(accounting, corrected.lines[0].id, "correction", "契約単価は68円です")
        doc = parse_ubl_xml(wrong_price)
        line = replace(doc.lines[0], unit_price=Decimal(68), amount=Decimal(612))
        fixed = upload_ubl(vendor, to_ubl_xml(replace(  # correction requested -> superseded
            doc, number=doc.number + "-R", lines=[line], amount_by_rate={Decimal("0.10"): Decimal(612)},
            tax_by_rate={Decimal("0.10"): Decimal(61)}, payable_amount=Decimal(673))))
        plain = upload_ubl(vendor, matching)
        ids = settled.id, fixed.id, plain.id
    with unit_of_work(app):
        accounting = user(ACCOUNTING)
        today = today_in_tokyo()
        transfer = payments.earliest_transfer_date(today, 1)
        batch = payments.zengin_batch(accounting, [ids[0]], transfer, today)
        payments.send_zengin_batch(accounting, batch.id)  # created -> sent
        payments.confirm_zengin_batch(accounting, batch.id, transfer)  # sent -> completed; payment pending -> paid
        for invoice_id in ids[1:]:  # declined: payment pending -> failed, invoice back to payable
            with pytest.raises(payments.PaymentError):
                payments.pay_by_stripe(accounting, invoice_id, declining)
        payments.pay_by_stripe(accounting, ids[2], card)  # failed -> pending (retry) -> succeeded
        declined = db.session.scalar(select(Payment).filter_by(invoice_id=ids[1]))
        # Stripe's webhook says the declined attempt went through after all: failed -> succeeded,
        # and the invoice payable -> paid.
        assert payments.handle_stripe_event({"id": "evt_walk_1", "type": "payment_intent.succeeded", "data": {
            "object": {"id": None, "metadata": {"payment_id": str(declined.id)}}}}) == "paid"
    with unit_of_work(app):
        assert [db.session.get(Invoice, i).status for i in ids] == ["paid"] * 3
    assert_every_edge_audited(app, since, *INVOICING_WALK)


@pytest.fixture
def stripe_app(database_url, tmp_path, localstripe):
    from tests.helpers import stripe_test_app

    with stripe_test_app(database_url, tmp_path / "uploads", localstripe) as app:
        yield app


@pytest.fixture(scope="module")
def localstripe():
    from tests.localstripe_server import running_localstripe

    with running_localstripe() as base_url:
        yield base_url


# --- tenders and bids -----------------------------------------------------------------------

TENDER_WALK = (tenders.TENDER, tenders.BID)
# The states a tender passes through on the way to completion, with the step into each.
PATH = [(lifecycle.DEMAND, "open_demand"), (lifecycle.PUBLISHED, "publish"), (lifecycle.QUESTIONS, "open_questions"),
        (lifecycle.BIDDING, "open_bidding"), (lifecycle.OPENED, "open_bids"), (lifecycle.EVALUATION, "start_evaluation"),
        (lifecycle.AWARDED, "award"), (lifecycle.CONTRACTED, "make_contracts"), (lifecycle.COMPLETED, "complete")]


def _generic_tender(app, name, upto, skip_questions=False, bids=True):
    """A stockpile-food tender taken from draft up to the state `upto` by the office's actions."""
    from tenders import service

    with unit_of_work(app):
        office = user(OFFICE)
        t = service.create_tender(office, "generic", name, OPENS, CLOSES, OPENING, None)
        service.add_pattern(office, t.id, "rice", "アルファ化米 50食入", [], unit="箱", tax_rate=Decimal("0.08"))
        tender_id = t.id
    for state, action in [(lifecycle.DRAFT, None), *PATH]:
        if action is not None and not (skip_questions and state == lifecycle.QUESTIONS):
            with unit_of_work(app):
                office = user(OFFICE)
                if action == "open_bids":
                    open_witnessed(office, tender_id, OPENING)
                elif action == "award":
                    service.award(office, tender_id, OPENING)
                elif action == "make_contracts":
                    service.make_contracts(office, tender_id, OPENING)
                else:
                    service.move(office, tender_id, action, OPENS if action == "open_bidding" else T0)
                if action == "open_demand":
                    staff = ward_user(app, "131130", "walk-131130@example.jp")
                    service.join(staff, tender_id, T0)
                    service.enter_pc_demand(staff, tender_id, [{"pattern": "rice", "quantity": 300}], T0)
                if action == "open_bidding" and bids:
                    pc, bunguya = user("vendor@pc.example.jp"), user(VENDOR)
                    service.submit_bid(bunguya, tender_id, {"patterns": {"rice": "12000"}}, OPENS)
                    service.submit_bid(bunguya, tender_id, {"patterns": {"rice": "11000"}}, OPENS)  # replaced
                    service.submit_bid(pc, tender_id, {"patterns": {"rice": "11500"}}, OPENS)
                    service.withdraw_bid(pc, tender_id, OPENS + timedelta(hours=1))  # withdrawn
        if state == upto:
            return tender_id
    raise AssertionError(upto)


def test_tenders_and_bids_walk_every_transition(app):
    from procure.extensions import db
    from tenders import service
    from tenders.models import Tender

    since = last_audit_id(app)
    _generic_tender(app, "全工程", lifecycle.COMPLETED)
    _generic_tender(app, "質問なし", lifecycle.BIDDING, skip_questions=True)  # published -> bidding
    cancelled = [_generic_tender(app, f"中止 {state}", state)
                 for state in [lifecycle.DRAFT, *(s for s, _ in PATH if s not in lifecycle.TERMINAL)]]
    no_bids_opened = _generic_tender(app, "入札なし（開札後）", lifecycle.OPENED, bids=False)
    no_bids_evaluated = _generic_tender(app, "入札なし（評価）", lifecycle.OPENED, bids=False)
    with unit_of_work(app):
        office = user(OFFICE)
        for tender_id in cancelled:
            service.move(office, tender_id, "cancel", OPENING)
        service.move(office, no_bids_opened, "no_valid_bid", OPENING)  # opened -> no valid bid
        assert service.award(office, no_bids_evaluated, OPENING) == []  # opened -> evaluation -> no valid bid
    with unit_of_work(app):
        assert db.session.get(Tender, no_bids_evaluated).status == lifecycle.NO_VALID_BID
    assert_every_edge_audited(app, since, *TENDER_WALK)


# --- cost shares --------------------------------------------------------------------------

COST_SHARE_WALK = (costshares.COST_SHARE,)


def test_cost_shares_walk_every_transition(app):
    from costshares import service
    from costshares.models import CostShareBill
    from costshares.payments import pay_by_zengin
    from costshares.sharing import DEFAULT_WEIGHTS
    from invoicing import payments
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    since = last_audit_id(app)
    with unit_of_work(app):
        office = user(OFFICE)
        service.add_running_cost(office, 2030, "組織運営費", Decimal(230000), DEFAULT_WEIGHTS)
        service.issue(office, 2030, None)
    with unit_of_work(app):
        payer = user(ACCOUNTING)
        bill = db.session.scalar(select(CostShareBill).filter_by(fiscal_year=2030, ward_id=payer.ward_id))
        transfer = payments.earliest_transfer_date(today_in_tokyo(), 1)
        batch = pay_by_zengin(payer, [bill.id], transfer, today_in_tokyo())  # issued -> payment pending
        batch_id = batch.id
    with unit_of_work(app):
        payments.send_zengin_batch(user(ACCOUNTING), batch_id)
        payments.confirm_zengin_batch(user(ACCOUNTING), batch_id, transfer)  # -> paid
    assert_every_edge_audited(app, since, *COST_SHARE_WALK)

"""The state machines (pure): every allowed transition with its role, what is refused and why,
and (hypothesis) that no sequence of steps reaches a state the edge table does not."""
from collections import deque

import pytest
from hypothesis import given, strategies as st

from catalog import states as catalog
from costshares import states as costshares
from deliveries import states as deliveries
from invoicing import states as invoicing
from procure import states as jobs
from procure.statemachine import (ANY, OFFICE, SYSTEM, VENDOR, WARD_APPROVER, WARD_INSPECTOR, WARD_STAFF,
                                  StateMachine, Transition, TransitionError)
from tenders import lifecycle
from tenders import states as tenders

MACHINES = (*invoicing.MACHINES, *catalog.MACHINES, *deliveries.MACHINES, *jobs.MACHINES, *tenders.MACHINES,
            *costshares.MACHINES)
ROLES = (WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR, SYSTEM)

# (machine, from, action, to, roles allowed): the whole table, written out.
EDGES = [
    (costshares.COST_SHARE, "issued", "claim_payment", "payment_pending", {WARD_INSPECTOR}),
    (costshares.COST_SHARE, "payment_pending", "pay", "paid", {WARD_INSPECTOR, SYSTEM}),
    (invoicing.INVOICE, "discrepancy", "match", "payable", {VENDOR, OFFICE, WARD_INSPECTOR, SYSTEM}),
    (invoicing.INVOICE, "discrepancy", "request_correction", "correction_requested", {WARD_INSPECTOR}),
    (invoicing.INVOICE, "correction_requested", "supersede", "superseded", {VENDOR}),
    (invoicing.INVOICE, "payable", "claim_payment", "payment_pending", {WARD_INSPECTOR}),
    (invoicing.INVOICE, "payment_pending", "pay", "paid", {WARD_INSPECTOR, SYSTEM}),
    (invoicing.INVOICE, "payable", "pay", "paid", {WARD_INSPECTOR, SYSTEM}),
    (invoicing.INVOICE, "payment_pending", "payment_failed", "payable", {WARD_INSPECTOR, SYSTEM}),
    (invoicing.PAYMENT, "pending", "succeed", "succeeded", {WARD_INSPECTOR, SYSTEM}),
    (invoicing.PAYMENT, "failed", "succeed", "succeeded", {WARD_INSPECTOR, SYSTEM}),
    (invoicing.PAYMENT, "pending", "fail", "failed", {WARD_INSPECTOR, SYSTEM}),
    (invoicing.PAYMENT, "failed", "retry", "pending", {WARD_INSPECTOR}),
    (invoicing.ZENGIN_BATCH, "created", "send", "sent", {WARD_INSPECTOR}),
    (invoicing.ZENGIN_BATCH, "sent", "complete", "completed", {WARD_INSPECTOR}),
    (catalog.CATALOG_VERSION, "uploaded", "import_failed", "invalid", {SYSTEM}),
    (catalog.CATALOG_VERSION, "uploaded", "imported", "pending_review", {SYSTEM}),
    (catalog.CATALOG_VERSION, "pending_review", "approve", "approved", {OFFICE}),
    (catalog.CATALOG_VERSION, "pending_review", "reject", "rejected", {OFFICE}),
    (catalog.ORDER, "pending", "approve", "approved", {WARD_APPROVER}),
    (catalog.ORDER, "pending", "reject", "rejected", {WARD_APPROVER}),
    (catalog.ORDER, "pending", "partly_approve", "partly_approved", {WARD_APPROVER}),
    (catalog.ORDER_LINE_APPROVAL, "pending", "approve", "approved", {WARD_APPROVER}),
    (catalog.ORDER_LINE_APPROVAL, "pending", "reject", "rejected", {WARD_APPROVER}),
    (catalog.ORDER_LINE_FULFILMENT, "open", "confirm", "confirmed", {VENDOR}),
    (catalog.ORDER_LINE_FULFILMENT, "open", "deliver", "delivered", {VENDOR}),
    (catalog.ORDER_LINE_FULFILMENT, "confirmed", "deliver", "delivered", {VENDOR}),
    (deliveries.DELIVERY_LINE, "awaiting_inspection", "accept", "accepted", {WARD_INSPECTOR}),
    (deliveries.DELIVERY_LINE, "awaiting_inspection", "partly_accept", "partly_accepted", {WARD_INSPECTOR}),
    (deliveries.DELIVERY_LINE, "awaiting_inspection", "reject", "rejected", {WARD_INSPECTOR}),
    (jobs.JOB, "queued", "start", "running", {SYSTEM}),
    (jobs.JOB, "running", "finish", "done", {SYSTEM}),
    (jobs.JOB, "running", "fail", "failed", {SYSTEM}),
    (jobs.JOB, "running", "requeue", "queued", {SYSTEM}),
    (jobs.JOB, "queued", "cancel", "cancelled", {WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR, SYSTEM}),
    (jobs.JOB, "running", "cancel", "cancelled", {WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR, SYSTEM}),
    (jobs.JOB, "failed", "retry", "queued", {WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR}),
    (jobs.JOB, "cancelled", "retry", "queued", {WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR}),
    (tenders.BID, "active", "replace", "replaced", {VENDOR}),
    (tenders.BID, "active", "withdraw", "withdrawn", {VENDOR}),
]


def _id(edge):
    machine, source, action, target, _ = edge
    return f"{machine.name}:{source}-{action}->{target}"


@pytest.mark.parametrize("edge", EDGES, ids=_id)
def test_each_transition_is_allowed_to_its_roles_only(edge):
    machine, source, action, target, roles = edge
    for role in ROLES:
        if role in roles:
            assert machine.step(source, action, role) == target
            assert machine.allowed(source, target)
            assert action in machine.actions_from(source, role)
        else:
            with pytest.raises(TransitionError, match="権限"):
                machine.step(source, action, role)


@pytest.mark.parametrize("machine", [m for m in MACHINES if m is not tenders.TENDER], ids=lambda m: m.name)
def test_the_table_above_is_the_whole_machine(machine):
    written = {(s, a, t) for m, s, a, t, _ in EDGES if m is machine}
    assert set(machine.edges()) == written
    for t in machine.transitions:
        assert t.roles == next(r for m, _, a, _, r in EDGES if m is machine and a == t.action)


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_no_step_leaves_a_terminal_state_or_starts_from_a_wrong_one(machine):
    for state in machine.states:
        for t in machine.transitions:
            role = next(iter(t.roles))
            if (state, t.action, t.target) in machine.edges():
                continue
            with pytest.raises(TransitionError, match="状態なので"):
                machine.step(state, t.action, role)
    for state in machine.terminal:
        assert machine.actions_from(state) == []


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_every_state_is_reachable_and_labelled_in_japanese(machine):
    assert set(_reachable(machine)) == set(machine.states)
    assert all(label and label != state for state, label in machine.states.items())


def test_the_tender_machine_is_the_lifecycle():
    machine = tenders.TENDER
    for action, (sources, target, role) in lifecycle.TRANSITIONS.items():
        froms = sources or set(machine.states) - lifecycle.TERMINAL
        for state in machine.states:
            if state in froms:
                assert machine.step(state, action, role) == target
            else:
                with pytest.raises(TransitionError):
                    machine.step(state, action, role)
        with pytest.raises(TransitionError, match="権限"):
            machine.step(next(iter(froms)), action, VENDOR)
    assert lifecycle.available(lifecycle.DRAFT) == machine.actions_from(lifecycle.DRAFT, OFFICE)


def test_unknown_actions_and_states_are_refused():
    with pytest.raises(TransitionError, match="不明な操作"):
        invoicing.INVOICE.step("payable", "refund", WARD_INSPECTOR)
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine("x", {"a": "A"}, frozenset({"a"}), (Transition("go", frozenset({"a"}), "b", frozenset()),))
    with pytest.raises(ValueError, match="initial or terminal"):
        StateMachine("x", {"a": "A"}, frozenset({"z"}), ())


def test_action_between_finds_the_action_for_a_computed_state():
    assert catalog.ORDER.action_between("pending", "partly_approved") == "partly_approve"
    assert invoicing.INVOICE.action_between("discrepancy", "payable", VENDOR) == "match"
    with pytest.raises(TransitionError, match="にはできません"):
        invoicing.INVOICE.action_between("paid", "payable")
    with pytest.raises(TransitionError):
        catalog.ORDER.action_between("pending", "approved", VENDOR)


def test_any_means_every_state_that_is_not_terminal():
    machine = StateMachine("x", {"a": "A", "b": "B", "end": "E"}, frozenset({"a"}),
                           (Transition("go", frozenset({"a"}), "b", frozenset({OFFICE})),
                            Transition("stop", frozenset({ANY}), "end", frozenset({OFFICE}))),
                           terminal=frozenset({"end"}))
    assert machine.sources_of("stop") == {"a", "b"}
    assert machine.step("b", "stop", OFFICE) == "end"
    with pytest.raises(TransitionError):
        machine.step("end", "stop", OFFICE)


def test_derived_delivery_line_state():
    assert deliveries.line_state(None, None) == deliveries.AWAITING
    assert deliveries.line_state(5, 0) == deliveries.ACCEPTED
    assert deliveries.line_state(3, 2) == deliveries.PARTLY_ACCEPTED
    assert deliveries.line_state(0, 5) == deliveries.REJECTED
    assert [deliveries.inspect_action(a, r) for a, r in ((5, 0), (3, 2), (0, 5))] == [
        "accept", "partly_accept", "reject"]


def test_role_names_are_those_of_the_user_roles():
    from procure.models import Role  # imports the ORM: only to compare the names

    assert {r.value for r in Role} == set(ROLES) - {SYSTEM}


def test_the_model_constants_are_the_machine_states():
    from catalog.models import APPROVED, INVALID, PENDING_REVIEW, REJECTED, UPLOADED
    from catalog.order_models import LINE_CONFIRMED, LINE_DELIVERED, LINE_OPEN
    from invoicing.models import CORRECTION_REQUESTED, DISCREPANCY, PAID, PAYABLE, PAYMENT_PENDING, SUPERSEDED
    from invoicing.payments import FAILED, PENDING, SUCCEEDED
    from procure.jobs import DONE, QUEUED, RUNNING

    assert {UPLOADED, INVALID, PENDING_REVIEW, APPROVED, REJECTED} == set(catalog.CATALOG_VERSION.states)
    assert {LINE_OPEN, LINE_CONFIRMED, LINE_DELIVERED} == set(catalog.ORDER_LINE_FULFILMENT.states)
    assert {DISCREPANCY, CORRECTION_REQUESTED, PAYABLE, PAYMENT_PENDING, PAID, SUPERSEDED} == set(
        invoicing.INVOICE.states)
    assert {PENDING, SUCCEEDED, FAILED} == set(invoicing.PAYMENT.states)
    assert {QUEUED, RUNNING, DONE, jobs.FAILED, jobs.CANCELLED} == set(jobs.JOB.states)


def _reachable(machine: StateMachine) -> set[str]:
    """By breadth-first search over the edge table."""
    seen, todo = set(machine.initial), deque(machine.initial)
    while todo:
        state = todo.popleft()
        for source, _, target in machine.edges():
            if source == state and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@given(st.data())
def test_any_sequence_of_steps_stays_within_the_edge_table(data):
    machine = data.draw(st.sampled_from(MACHINES), label="machine")
    state = data.draw(st.sampled_from(sorted(machine.initial)), label="initial")
    reachable, edges = _reachable(machine), set(machine.edges())
    actions = [t.action for t in machine.transitions] + ["unknown"]
    for _ in range(data.draw(st.integers(0, 12), label="steps")):
        action = data.draw(st.sampled_from(actions), label="action")
        role = data.draw(st.sampled_from(ROLES), label="role")
        try:
            new = machine.step(state, action, role)
        except TransitionError:
            continue  # refused: nothing changed
        assert (state, action, new) in edges
        assert machine.allowed(state, new)
        state = new
        assert state in reachable

"""Card payment reconciliation (pure): each kind of discrepancy, and none when the records agree."""
from hypothesis import given, strategies as st

from invoicing.reconcile import DUPLICATE, UNKNOWN_TO_PROVIDER, UNRECORDED, Finding, LocalPayment, ProviderCharge, \
    findings


def charge(intent, invoice, status="succeeded"):
    return ProviderCharge(intent, status, 748, invoice)


def test_each_kind_of_discrepancy():
    local = [LocalPayment(1, "succeeded", "pi_1"), LocalPayment(2, "succeeded", "pi_x"),
             LocalPayment(3, "pending", None), LocalPayment(4, "pending", None), LocalPayment(5, "succeeded", "pi_5")]
    provider = [charge("pi_1", 1), charge("pi_1b", 1),           # invoice 1 charged twice
                charge("pi_2", 2),                                # ours names another charge
                charge("pi_3", 3),                                # charged, we hold it pending
                charge("pi_4", 4, "requires_payment_method"),     # not charged: nothing to say
                charge("pi_5", 5), charge("pi_other", None)]     # agrees; a charge of no invoice
    assert findings(local, provider) == [Finding(1, DUPLICATE, ("pi_1", "pi_1b")),
                                         Finding(2, UNKNOWN_TO_PROVIDER, ("pi_2",)),
                                         Finding(3, UNRECORDED, ("pi_3",))]


def test_a_paid_invoice_the_provider_does_not_know_at_all():
    assert findings([LocalPayment(7, "succeeded", "pi_7")], []) == [Finding(7, UNKNOWN_TO_PROVIDER, ())]


@given(st.lists(st.integers(1, 50), unique=True), st.sampled_from(["succeeded", "pending"]))
def test_records_that_agree_give_no_finding(invoices, _status):
    local = [LocalPayment(i, "succeeded", f"pi_{i}") for i in invoices]
    provider = [charge(f"pi_{i}", i) for i in invoices] + [charge(f"pi_f{i}", i, "canceled") for i in invoices]
    assert findings(local, provider) == []


@given(st.lists(st.integers(1, 20), min_size=1))
def test_every_invoice_with_two_successful_charges_is_flagged_once(charged):
    counts = {i: charged.count(i) for i in set(charged)}
    local = [LocalPayment(i, "succeeded", f"pi_{i}_0") for i in counts]
    provider = [charge(f"pi_{i}_{n}", i) for i in counts for n in range(counts[i])]
    duplicates = [f.invoice_id for f in findings(local, provider) if f.kind == DUPLICATE]
    assert duplicates == sorted(i for i, n in counts.items() if n > 1)

from decimal import Decimal

import pytest

from catalog.approval import approval_reasons, order_status


def test_below_threshold_and_unrestricted_needs_no_approval():
    assert approval_reasons(Decimal("50000"), {"文具"}, Decimal("50000"), {"パソコン"}) == []


def test_above_threshold_and_restricted_category_both_reported():
    reasons = approval_reasons(Decimal("50001"), {"文具", "パソコン"}, Decimal("50000"), {"パソコン"})
    assert len(reasons) == 2
    assert "50,001" in reasons[0] and "パソコン" in reasons[1]


@pytest.mark.parametrize("decisions, status", [
    ([], "pending"), (["pending", "approved"], "pending"), (["approved", "approved"], "approved"),
    (["rejected"], "rejected"), (["approved", "rejected"], "partly_approved"),
])
def test_order_status(decisions, status):
    assert order_status(decisions) == status

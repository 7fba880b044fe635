"""Dates a delivery and its inspection may carry (pure)."""
from datetime import date

from deliveries.inspection import delivery_date_problem, inspection_date_problem

TODAY = date(2026, 12, 7)


def test_a_delivery_is_dated_today_or_earlier_or_up_to_the_requested_date():
    assert delivery_date_problem(TODAY, TODAY) is None
    assert delivery_date_problem(date(2026, 12, 1), TODAY) is None
    assert "未来" in delivery_date_problem(date(2027, 3, 1), TODAY)
    assert delivery_date_problem(date(2026, 12, 9), TODAY, requested=date(2026, 12, 9)) is None
    assert "納品希望日" in delivery_date_problem(date(2027, 3, 1), TODAY, requested=date(2026, 12, 9))


def test_goods_are_inspected_on_or_after_their_delivery_date():
    assert inspection_date_problem(TODAY, TODAY) is None
    assert inspection_date_problem(date(2026, 12, 1), TODAY) is None
    assert "より前には検収できません" in inspection_date_problem(date(2026, 12, 8), TODAY)

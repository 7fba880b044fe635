from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.matching import (
    BilledLine, Inspection, MatchTolerance, OrderLine, match_invoice, match_line,
)

ORDERS = [OrderLine("PO-1", D("10")), OrderLine("PO-2", D("5"))]
INSPECTIONS = [Inspection("PO-1", D("10"), D("1200")), Inspection("PO-2", D("5"), D("3300"))]


def billed(line_no=1, order="PO-1", quantity="10", unit_price="1200", amount=None) -> BilledLine:
    quantity, unit_price = D(quantity), D(unit_price)
    return BilledLine(line_no, order, quantity, unit_price,
                      D(amount) if amount is not None else quantity * unit_price)


def codes(line_match) -> list[str]:
    return line_match.codes


def one_line(line, tolerance=None, orders=ORDERS, inspections=INSPECTIONS):
    result = match_invoice([line], orders, inspections, tolerance)
    [line_match] = result.lines
    return result, line_match


def test_an_exact_invoice_is_payable():
    result = match_invoice([billed(), billed(2, "PO-2", "5", "3300")], ORDERS, INSPECTIONS)
    assert result.payable
    assert all(line.matched and not line.within_tolerance for line in result.lines)
    assert result.discrepancies == []


@pytest.mark.parametrize("line, code, words", [
    (billed(quantity="11"), "quantity_exceeds_accepted", "検収済み数量 10 を超えています"),
    (billed(quantity="9"), "quantity_below_accepted", "検収済み数量 10 に足りません"),
    (billed(unit_price="1250"), "price_differs_from_contract", "契約単価 1,200 円"),
    (billed(amount="12001"), "amount_not_quantity_times_price", "一致しません"),
    (billed(order="PO-9"), "no_order_line", "PO-9"),
    (billed(order=None), "no_order_line", "見つかりません"),
])
def test_each_discrepancy_without_tolerance(line, code, words):
    result, line_match = one_line(line)
    assert not result.payable and not line_match.matched
    assert code in codes(line_match)
    [discrepancy] = [d for d in line_match.discrepancies if d.code == code]
    assert words in discrepancy.message


def test_no_inspection_yet():
    orders = ORDERS + [OrderLine("PO-3", D("2"))]
    _, line_match = one_line(billed(order="PO-3", quantity="2"), orders=orders)
    assert codes(line_match) == ["no_inspection"]
    assert "検収されていません" in line_match.discrepancies[0].message


def test_more_than_ordered_is_flagged_even_when_accepted():
    inspections = [Inspection("PO-1", D("12"), D("1200"))]  # over-delivery accepted
    _, line_match = one_line(billed(quantity="12"), inspections=inspections)
    assert codes(line_match) == ["quantity_exceeds_order"]


def test_partial_deliveries_are_summed():
    inspections = [Inspection("PO-1", D("4"), D("1200")), Inspection("PO-1", D("6"), D("1200"))]
    assert one_line(billed(), inspections=inspections)[0].payable


def test_quantity_billed_on_earlier_invoices_is_deducted():
    orders = [OrderLine("PO-1", D("10"), invoiced_quantity=D("4"))]
    assert one_line(billed(quantity="6"), orders=orders)[0].payable
    _, line_match = one_line(billed(quantity="10"), orders=orders)
    assert codes(line_match) == ["quantity_exceeds_order", "quantity_exceeds_accepted"]
    assert [d.message for d in line_match.discrepancies] == [
        "請求数量 10 が発注数量の未請求分 6（発注数量 10、既請求 4） を超えています",
        "請求数量 10 が検収済み数量の未請求分 6（検収済み数量 10、既請求 4） を超えています",
    ]


def test_inspections_disagreeing_on_the_contract_price():
    inspections = [Inspection("PO-1", D("4"), D("1200")), Inspection("PO-1", D("6"), D("1100"))]
    _, line_match = one_line(billed(), inspections=inspections)
    assert codes(line_match) == ["inconsistent_contract_price"]


def test_billing_one_order_line_twice_on_one_invoice():
    result = match_invoice([billed(1, quantity="5", amount="6000"), billed(2, quantity="5", amount="6000")],
                           ORDERS, INSPECTIONS)
    assert [line.codes for line in result.lines] == [["quantity_below_accepted"], ["duplicate_order_line"]]
    assert not result.payable


def test_one_bad_line_makes_the_whole_invoice_unpayable():
    result = match_invoice([billed(), billed(2, "PO-2", "5", "3400")], ORDERS, INSPECTIONS)
    assert [line.matched for line in result.lines] == [True, False]
    assert not result.payable
    assert [(number, d.code) for number, d in result.discrepancies] == [(2, "price_differs_from_contract")]


def test_an_invoice_without_lines_is_not_payable():
    assert not match_invoice([], ORDERS, INSPECTIONS).payable


# --- tolerance ----------------------------------------------------------------------------

@pytest.mark.parametrize("tolerance, unit_price, matched", [
    (None, "1201", False),
    (MatchTolerance(amount_yen=D("10")), "1201", True),       # 1 yen x 10 = 10 yen
    (MatchTolerance(amount_yen=D("10")), "1202", False),      # 20 yen
    (MatchTolerance(percent=D("1")), "1212", True),           # 120 yen of 12,000 = 1%
    (MatchTolerance(percent=D("1")), "1213", False),          # 130 yen
    (MatchTolerance(amount_yen=D("100"), percent=D("1")), "1210", True),
    (MatchTolerance(amount_yen=D("100"), percent=D("1")), "1211", False),  # 110 > 100: stricter wins
    (MatchTolerance(amount_yen=D("500"), percent=D("1")), "1213", False),  # 130 > 1%: stricter wins
    (MatchTolerance(amount_yen=D("10")), "1199", True),       # under the contract price counts the same
])
def test_price_tolerance(tolerance, unit_price, matched):
    _, line_match = one_line(billed(unit_price=unit_price), tolerance)
    assert line_match.matched is matched
    assert line_match.within_tolerance is matched
    if not matched:
        assert codes(line_match) == ["price_differs_from_contract"]


@pytest.mark.parametrize("quantity, tolerance, matched", [
    ("10.5", None, False), ("10.5", D("0.5"), True), ("9.5", D("0.5"), True),
    ("11", D("0.5"), False), ("9", D("0.5"), False),
])
def test_quantity_tolerance(quantity, tolerance, matched):
    orders = [OrderLine("PO-1", D("11"))]
    line = billed(quantity=quantity, unit_price="1200")
    tol = MatchTolerance(quantity=tolerance) if tolerance is not None else None
    _, line_match = one_line(line, tol, orders=orders)
    assert line_match.matched is matched


def test_price_tolerance_does_not_excuse_a_quantity_difference():
    tolerance = MatchTolerance(amount_yen=D("100000"), percent=D("50"))
    _, line_match = one_line(billed(quantity="11"), tolerance, orders=[OrderLine("PO-1", D("20"))])
    assert codes(line_match) == ["quantity_exceeds_accepted"]


def test_fractional_unit_prices_may_round_the_line_to_whole_yen():
    inspections = [Inspection("PO-1", D("3"), D("12.5"))]
    orders = [OrderLine("PO-1", D("3"))]
    line = BilledLine(1, "PO-1", D("3"), D("12.5"), D("37"))  # 37.5 -> 37
    assert match_line(line, orders[0], inspections).matched


def test_values_are_decimals_never_floats():
    with pytest.raises(TypeError):
        BilledLine(1, "PO-1", D("1"), 1200.0, D("1200"))
    with pytest.raises(TypeError):
        MatchTolerance(percent=0.5)
    with pytest.raises(ValueError):
        MatchTolerance(amount_yen=D("-1"))
    assert OrderLine("PO-1", "10").quantity == D("10")


@settings(max_examples=100, deadline=None)
@given(quantity=st.integers(1, 1000), contract=st.integers(1, 100000), delta=st.integers(-500, 500),
       yen=st.integers(0, 10000))
def test_a_price_difference_passes_exactly_when_its_line_effect_is_within_the_yen_tolerance(
        quantity, contract, delta, yen):
    price = D(contract + delta)
    line = BilledLine(1, "PO", D(quantity), price, D(quantity) * price)
    order, inspection = OrderLine("PO", D(quantity)), Inspection("PO", D(quantity), D(contract))
    result = match_line(line, order, [inspection], MatchTolerance(amount_yen=D(yen)))
    assert result.matched is (abs(delta) * quantity <= yen)

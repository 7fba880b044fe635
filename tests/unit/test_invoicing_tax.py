import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.jp import cn

from invoicing.tax import (
    REDUCED_RATE, STANDARD_RATE, InvoiceLine, InvoiceRuleError, QualifiedInvoice, TaxBucket,
    MoneyRuleError, TaxLine, check_qualified_invoice, round_yen, tax_summary, validate_registration_number,
)

TEN, EIGHT = STANDARD_RATE, REDUCED_RATE


def registration_number(body: str) -> str:
    """A valid 'T' + 13 digits for any 12-digit body (check digit first, as in the corporate number)."""
    return "T" + cn.calc_check_digit(body) + body


VALID_NUMBER = registration_number("700110005901")  # the NTA's own corporate number


def with_wrong_check_digit(number: str) -> str:
    wrong = str((int(number[1]) + 1) % 10)
    return number[0] + wrong + number[2:]


# --- tax once per rate --------------------------------------------------------------------

def test_two_155_yen_lines_at_10_percent_give_31_yen_not_30():
    buckets = tax_summary([TaxLine(D("155"), TEN), TaxLine(D("155"), TEN)], "down")
    assert buckets == {TEN: TaxBucket(D("310"), D("31"))}
    per_line = sum(round_yen(D("155") * TEN, "down") for _ in range(2))
    assert per_line == D("30")  # what rounding per line would (wrongly) give


@pytest.mark.parametrize("amount, rate, rounding, tax", [
    (D("1005"), TEN, "down", D("100")), (D("1005"), TEN, "up", D("101")),
    (D("1005"), TEN, "half_up", D("101")),
    (D("1004"), TEN, "down", D("100")), (D("1004"), TEN, "up", D("101")),
    (D("1004"), TEN, "half_up", D("100")),
    (D("1006"), EIGHT, "down", D("80")), (D("1006"), EIGHT, "up", D("81")),
    (D("1006"), EIGHT, "half_up", D("80")),
    (D("1000"), TEN, "up", D("100")),  # exact amounts are not pushed up
])
def test_each_rounding_mode(amount, rate, rounding, tax):
    assert tax_summary([TaxLine(amount, rate)], rounding)[rate].tax == tax


def test_mixed_10_and_8_percent_invoice_rounds_each_rate_once():
    lines = [TaxLine(D("1000"), TEN), TaxLine(D("540"), EIGHT), TaxLine(D("555"), EIGHT),
             TaxLine(D("333"), TEN)]
    buckets = tax_summary(lines, "half_up")
    assert list(buckets) == [TEN, EIGHT]
    assert buckets[TEN] == TaxBucket(D("1333"), D("133"))   # 133.3
    assert buckets[EIGHT] == TaxBucket(D("1095"), D("88"))  # 87.6
    assert tax_summary(lines, "down")[EIGHT].tax == D("87")
    assert buckets[EIGHT].amount_including_tax == D("1183")


def test_rates_written_differently_share_one_bucket():
    buckets = tax_summary([TaxLine(D("100"), D("0.1")), TaxLine(D("100"), "0.10")], "down")
    assert list(buckets.items()) == [(TEN, TaxBucket(D("200"), D("20")))]


@pytest.mark.parametrize("amount, rate, rounding, tax", [
    (D("1100"), TEN, "down", D("100")), (D("1080"), EIGHT, "down", D("80")),
    (D("1000"), TEN, "down", D("90")), (D("1000"), TEN, "up", D("91")),
    (D("1000"), TEN, "half_up", D("91")),  # 90.909...
    (D("1000"), EIGHT, "half_up", D("74")),  # 74.07...
])
def test_tax_inclusive_lines_take_rate_over_one_plus_rate(amount, rate, rounding, tax):
    bucket = tax_summary([TaxLine(amount, rate)], rounding, prices_include_tax=True)[rate]
    assert bucket.tax == tax
    assert bucket.amount_including_tax == amount
    assert bucket.amount_excluding_tax == amount - tax


def test_tax_inclusive_lines_are_summed_before_rounding():
    # Per line: 505/11 = 45.9 -> 45, three times 135. Once on 1,515: 137.7 -> 137.
    lines = [TaxLine(D("505"), TEN)] * 3
    assert tax_summary(lines, "down", prices_include_tax=True)[TEN].tax == D("137")


def test_empty_invoice_has_no_buckets():
    assert tax_summary([], "down") == {}


@pytest.mark.parametrize("line, field, code", [
    (TaxLine(D("100"), D("0.05")), "lines[0].rate", "unsupported_rate"),
    (TaxLine(D("100.5"), TEN), "lines[0].amount", "amount_not_whole_yen"),
    (TaxLine("abc", TEN), "lines[0].amount", "not_a_number"),
])
def test_bad_lines_are_refused_with_the_field(line, field, code):
    with pytest.raises(InvoiceRuleError) as error:
        tax_summary([line], "down")
    assert (error.value.field, error.value.code) == (field, code)


def test_unknown_rounding_is_refused():
    with pytest.raises(InvoiceRuleError) as error:
        tax_summary([], "bankers")
    assert error.value.field == "rounding"


def test_floats_are_refused_for_money():
    with pytest.raises(TypeError, match="never a float"):
        tax_summary([TaxLine(100.0, TEN)], "down")


line_strategy = st.builds(TaxLine, amount=st.integers(-10**6, 10**9).map(D),
                          rate=st.sampled_from([TEN, EIGHT]))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(line_strategy, max_size=30), rounding=st.sampled_from(["down", "up", "half_up"]),
       inclusive=st.booleans())
def test_tax_once_per_rate_is_under_one_yen_from_exact(lines, rounding, inclusive):
    buckets = tax_summary(lines, rounding, prices_include_tax=inclusive)
    for rate, bucket in buckets.items():
        total = sum(line.amount for line in lines if line.rate == rate)
        assert bucket.taxable_amount == total
        exact = Fraction(total) * Fraction(rate)
        if inclusive:
            exact /= 1 + Fraction(rate)
        assert abs(Fraction(bucket.tax) - exact) < 1
        assert bucket.tax == bucket.tax.to_integral_value()


@settings(max_examples=100, deadline=None)
@given(amounts=st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_rounding_down_once_never_gives_less_than_rounding_down_per_line(amounts):
    lines = [TaxLine(D(amount), TEN) for amount in amounts]
    per_line = sum(round_yen(line.amount * TEN, "down") for line in lines)
    assert tax_summary(lines, "down")[TEN].tax >= per_line


# --- registration numbers -----------------------------------------------------------------

@pytest.mark.parametrize("body", ["700110005901", "000012050002", "123456789012", "999999999999"])
def test_valid_registration_numbers(body):
    number = registration_number(body)
    assert validate_registration_number(number) == number


@pytest.mark.parametrize("typed", [
    "Ｔ８７００１１０００５９０１", "t8700110005901", " T 8700 1100 05901 ", "T8700-1100-05901",
    "Ｔ８７００－１１００－０５９０１", "T8700ー1100ー05901", "T8700−1100−05901",
])
def test_registration_number_is_normalised_from_what_people_type(typed):
    assert validate_registration_number(typed) == "T8700110005901"


def test_every_other_check_digit_is_refused():
    body = "700110005901"
    right = cn.calc_check_digit(body)
    for digit in "0123456789":
        number = "T" + digit + body
        if digit == right:
            assert validate_registration_number(number) == number
        else:
            with pytest.raises(InvoiceRuleError) as error:
                validate_registration_number(number)
            assert error.value.code == "invalid_registration_number"
            assert "検査数字" in error.value.reason


@pytest.mark.parametrize("value, code, words", [
    ("", "missing_registration_number", "記載されていません"),
    (None, "missing_registration_number", "記載されていません"),
    ("8700110005901", "invalid_registration_number", "T で始まります"),
    ("X8700110005901", "invalid_registration_number", "T で始まります"),
    ("T870011000590", "invalid_registration_number", "13桁"),
    ("T87001100059012", "invalid_registration_number", "13桁"),
    ("T870011000590A", "invalid_registration_number", "13桁"),
])
def test_malformed_registration_numbers(value, code, words):
    with pytest.raises(InvoiceRuleError) as error:
        validate_registration_number(value)
    assert (error.value.field, error.value.code) == ("registration_number", code)
    assert words in error.value.reason


# --- the qualified invoice ----------------------------------------------------------------

def good_invoice(**changes) -> QualifiedInvoice:
    invoice = QualifiedInvoice(
        issuer_name="株式会社ヤマダ文具",
        registration_number=VALID_NUMBER,
        issue_date=date(2025, 4, 30),
        recipient_name="新宿区",
        lines=[
            InvoiceLine("ボールペン（黒）", D("1"), D("155"), D("155"), TEN),
            InvoiceLine("付箋", D("1"), D("155"), D("155"), TEN),
            InvoiceLine("緑茶（来客用）", D("3"), D("180"), D("540"), EIGHT, reduced_rate_mark=True),
        ],
        stated_amount_by_rate={TEN: D("310"), EIGHT: D("540")},
        stated_tax_by_rate={TEN: D("31"), EIGHT: D("43")},  # 43.2 down
        stated_total=D("924"),
        rounding="down",
    )
    return replace(invoice, **changes)


def changed_line(index: int, **changes) -> list[InvoiceLine]:
    lines = list(good_invoice().lines)
    lines[index] = replace(lines[index], **changes)
    return lines


def pairs(violations) -> list[tuple[str, str]]:
    return [(violation.field, violation.code) for violation in violations]


def test_a_complete_invoice_has_no_violations():
    assert check_qualified_invoice(good_invoice()) == []


@pytest.mark.parametrize("changes, expected", [
    ({"issuer_name": ""}, ("issuer_name", "missing_issuer_name")),
    ({"issuer_name": "　 "}, ("issuer_name", "missing_issuer_name")),
    ({"registration_number": ""}, ("registration_number", "missing_registration_number")),
    ({"registration_number": with_wrong_check_digit(VALID_NUMBER)},
     ("registration_number", "invalid_registration_number")),
    ({"issue_date": None}, ("issue_date", "missing_issue_date")),
    ({"recipient_name": ""}, ("recipient_name", "missing_recipient")),
    ({"lines": changed_line(0, description=" ")}, ("lines[0].description", "missing_description")),
    ({"lines": changed_line(1, quantity=D("2"))}, ("lines[1].amount", "line_amount_mismatch")),
    ({"lines": changed_line(2, reduced_rate_mark=False)},
     ("lines[2].reduced_rate_mark", "missing_reduced_rate_mark")),
    ({"lines": changed_line(0, reduced_rate_mark=True)},
     ("lines[0].reduced_rate_mark", "unexpected_reduced_rate_mark")),
    ({"stated_tax_by_rate": {TEN: D("30"), EIGHT: D("43")}},  # rounded per line
     ("stated_tax_by_rate[0.10]", "tax_by_rate_mismatch")),
    ({"stated_tax_by_rate": {TEN: D("31")}}, ("stated_tax_by_rate[0.08]", "missing_tax_for_rate")),
    ({"stated_amount_by_rate": {TEN: D("310"), EIGHT: D("500")}},
     ("stated_amount_by_rate[0.08]", "amount_by_rate_mismatch")),
    ({"stated_amount_by_rate": {EIGHT: D("540")}},
     ("stated_amount_by_rate[0.10]", "missing_amount_for_rate")),
    ({"stated_total": D("923")}, ("stated_total", "total_mismatch")),
    ({"rounding": "bankers"}, ("rounding", "unsupported_rounding")),
])
def test_each_broken_rule_is_reported_alone_with_its_field(changes, expected):
    violations = check_qualified_invoice(good_invoice(**changes))
    assert pairs(violations) == [expected]
    assert any("\u3040" <= ch <= "\u9fff" for ch in violations[0].message)  # a Japanese reason


def test_per_line_rounding_is_explained_with_the_right_amount():
    [violation] = check_qualified_invoice(good_invoice(stated_tax_by_rate={TEN: D("30"), EIGHT: D("43")}))
    assert "31円" in violation.message and "切り捨て" in violation.message


@pytest.mark.parametrize("rounding, stated_eight_percent_tax, ok", [
    ("down", D("43"), True), ("up", D("44"), True), ("half_up", D("43"), True),
    ("up", D("43"), False), ("down", D("44"), False),
])
def test_stated_tax_is_checked_with_the_issuers_rounding(rounding, stated_eight_percent_tax, ok):
    invoice = good_invoice(rounding=rounding,
                           stated_tax_by_rate={TEN: D("31"), EIGHT: stated_eight_percent_tax},
                           stated_total=D("881") + stated_eight_percent_tax)
    assert (check_qualified_invoice(invoice) == []) is ok


def test_unsupported_rate_on_a_line():
    violations = check_qualified_invoice(good_invoice(lines=changed_line(0, rate=D("0.05"))))
    assert ("lines[0].rate", "unsupported_rate") in pairs(violations)


def test_line_amount_must_be_whole_yen():
    lines = changed_line(0, unit_price=D("155.5"), amount=D("155.5"))
    violations = check_qualified_invoice(good_invoice(lines=lines))
    assert ("lines[0].amount", "amount_not_whole_yen") in pairs(violations)


def test_fractional_unit_price_may_round_the_line_amount_to_whole_yen():
    lines = [InvoiceLine("コピー用紙（枚）", D("3"), D("12.5"), D("37"), TEN)]  # 37.5 -> 37
    invoice = good_invoice(lines=lines, stated_amount_by_rate={TEN: D("37")},
                           stated_tax_by_rate={TEN: D("3")}, stated_total=D("40"))
    assert check_qualified_invoice(invoice) == []


def test_stated_rates_without_lines_or_unknown_rates():
    invoice = good_invoice(lines=good_invoice().lines[:2],
                           stated_amount_by_rate={TEN: D("310"), EIGHT: D("540"), D("0.05"): D("1")},
                           stated_tax_by_rate={TEN: D("31"), EIGHT: D("0")}, stated_total=D("341"))
    assert pairs(check_qualified_invoice(invoice)) == [
        ("stated_amount_by_rate[0.08]", "rate_without_lines"),
        ("stated_amount_by_rate[0.05]", "unsupported_rate"),
    ]


def test_an_invoice_without_lines():
    invoice = good_invoice(lines=[], stated_amount_by_rate={}, stated_tax_by_rate={}, stated_total=None)
    assert pairs(check_qualified_invoice(invoice)) == [("lines", "no_lines")]


def test_every_broken_rule_comes_back_at_once():
    invoice = good_invoice(issuer_name="", registration_number="T123", issue_date=None,
                           recipient_name="", lines=changed_line(2, reduced_rate_mark=False),
                           stated_total=D("1"))
    assert pairs(check_qualified_invoice(invoice)) == [
        ("issuer_name", "missing_issuer_name"),
        ("registration_number", "invalid_registration_number"),
        ("issue_date", "missing_issue_date"),
        ("recipient_name", "missing_recipient"),
        ("lines[2].reduced_rate_mark", "missing_reduced_rate_mark"),
        ("stated_total", "total_mismatch"),
    ]


def test_tax_inclusive_invoice():
    invoice = good_invoice(
        prices_include_tax=True,
        lines=[InvoiceLine("トナー", D("2"), D("5500"), D("11000"), TEN),
               InvoiceLine("牛乳", D("10"), D("216"), D("2160"), EIGHT, reduced_rate_mark=True)],
        stated_amount_by_rate={TEN: D("11000"), EIGHT: D("2160")},
        stated_tax_by_rate={TEN: D("1000"), EIGHT: D("160")},
        stated_total=D("13160"))
    assert check_qualified_invoice(invoice) == []
    wrong = replace(invoice, stated_total=D("14320"))  # tax added on top of tax-inclusive amounts
    assert pairs(check_qualified_invoice(wrong)) == [("stated_total", "total_mismatch")]


def test_invoice_values_are_decimals_never_floats():
    line = InvoiceLine("ペン", "2", 100, D("200"), "0.10")
    assert (line.quantity, line.unit_price, line.rate) == (D("2"), D("100"), TEN)
    with pytest.raises(TypeError):
        InvoiceLine("ペン", D("2"), 100.0, D("200"), TEN)


def test_rule_modules_import_neither_flask_nor_the_database():
    code = ("import sys, invoicing, invoicing.tax, invoicing.zengin, invoicing.matching\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy'}\n"
            "             or m == 'procure.extensions')\n"
            "assert not bad, bad\n")
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


def test_a_credit_note_takes_off_the_goods_and_the_tax_they_carried():
    from invoicing.tax import credit_with_tax

    # 10 pens at 68 yen billed (680 + 68 tax); one returned: the ward pays for 9 (612 + 61 = 673).
    invoiced = {Decimal("0.10"): (Decimal(680), Decimal(68))}
    assert credit_with_tax(invoiced, {Decimal("0.10"): Decimal(68)}) == Decimal(75)
    # Per rate: the reduced-rate credit recomputes the 8% tax only.
    both = invoiced | {Decimal("0.08"): (Decimal(2300), Decimal(184))}
    assert credit_with_tax(both, {Decimal("0.08"): Decimal(1150)}) == Decimal(1150 + 184 - 92)
    with pytest.raises(MoneyRuleError):
        credit_with_tax(invoiced, {Decimal("0.10"): Decimal(681)})


@given(amount=st.integers(1, 10_000_000), data=st.data(), rate=st.sampled_from([Decimal("0.10"), Decimal("0.08")]),
       rounding=st.sampled_from(["down", "up", "half_up"]))
def test_after_a_credit_the_ward_pays_exactly_an_invoice_for_what_it_kept(amount, data, rate, rounding):
    from invoicing.tax import credit_with_tax
    from procure.money import tax_on

    credit = data.draw(st.integers(0, amount))
    tax = tax_on(Decimal(amount), rate, rounding)
    paid = amount + tax - credit_with_tax({rate: (Decimal(amount), tax)}, {rate: Decimal(credit)}, rounding)
    kept = Decimal(amount - credit)
    assert paid == kept + tax_on(kept, rate, rounding)


# --- lines outside the tax (非課税 E, 不課税 O, Z, G) ------------------------------------------

STAMP = InvoiceLine("収入印紙代（立替）", D("1"), D("200"), D("200"), D(0), category="O")


def with_stamp(stamp=STAMP, **changes) -> QualifiedInvoice:
    invoice = good_invoice()
    stated = {"stated_non_taxable": {"O": D("200")}, "stated_total": D("1124"), **changes}
    return replace(invoice, lines=[*invoice.lines, stamp], **stated)


def test_a_line_outside_the_tax_adds_to_the_total_and_carries_no_tax():
    assert check_qualified_invoice(with_stamp()) == []


@pytest.mark.parametrize("stamp, changes, expected", [
    (replace(STAMP, rate=TEN), {}, ("lines[3].rate", "rate_on_non_taxable")),
    (replace(STAMP, reduced_rate_mark=True), {}, ("lines[3].reduced_rate_mark", "unexpected_reduced_rate_mark")),
    (replace(STAMP, category="X"), {"stated_non_taxable": {}, "stated_total": D("924")},
     ("lines[3].category", "unsupported_category")),
    (STAMP, {"stated_non_taxable": {"O": D("100")}}, ("stated_non_taxable[O]", "non_taxable_amount_mismatch")),
    (STAMP, {"stated_non_taxable": {}}, ("stated_non_taxable[O]", "missing_non_taxable_amount")),
    (STAMP, {"stated_non_taxable": {"O": D("200"), "E": D("5")}}, ("stated_non_taxable[E]", "non_taxable_amount_mismatch")),
    (STAMP, {"stated_total": D("924")}, ("stated_total", "total_mismatch")),
])
def test_a_line_outside_the_tax_is_checked(stamp, changes, expected):
    assert pairs(check_qualified_invoice(with_stamp(stamp, **changes))) == [expected]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("EOZG"), st.integers(-10**6, 10**6)), max_size=8))
def test_non_taxable_sums_add_each_category_apart(lines):
    from procure.money import non_taxable_sums

    sums = non_taxable_sums((code, D(amount)) for code, amount in lines)
    assert list(sums) == [code for code in "EOZG" if code in sums]
    assert sums == {code: sum(D(a) for c, a in lines if c == code) for code in {c for c, _ in lines}}

"""Money and consumption tax: whole-yen rounding and the tax per rate, shared by every package.

One rounding table (`ROUNDING_MODES`) and one `round_yen` for the whole project: catalog order
lines, tender evaluation and contracts, electricity bills, the pricing engine and invoices all
round here. Amounts are `Decimal` (from strings or ints, never floats). The consumption tax is
computed once per rate on the per-rate sum (適格請求書の端数処理), never per line.

Pure: stdlib only. No Flask, no database.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Protocol


class MoneyRuleError(ValueError):
    """A value breaks a money rule; `field` says which value, `reason` why (in Japanese)."""

    def __init__(self, field: str, reason: str, code: str = "invalid"):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = code


STANDARD_RATE = Decimal("0.10")
REDUCED_RATE = Decimal("0.08")
SUPPORTED_RATES = (STANDARD_RATE, REDUCED_RATE)
REDUCED_RATE_MARK = "※"
# Lines outside the consumption tax, by their UNCL5305 category (JP PINT): no tax, rate 0. The
# marketplace buys taxable goods, but a vendor's invoice may carry a fee or stamp outside the tax.
NON_TAXABLE_CATEGORIES = {"E": "非課税", "O": "不課税", "Z": "ゼロ税率", "G": "輸出免税"}

ROUNDING_MODES = {"down": ROUND_DOWN, "up": ROUND_UP, "half_up": ROUND_HALF_UP}
ROUNDING_LABELS = {"down": "切り捨て", "up": "切り上げ", "half_up": "四捨五入"}


# --- values -------------------------------------------------------------------------------

def decimal_value(value, field: str) -> Decimal:
    """Decimal from a Decimal, int or numeric string. Floats are refused: they are already inexact."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyRuleError(field, f"「{value}」は数値ではありません", "not_a_number") from None
    else:
        raise TypeError(f"{field}: expected Decimal, int or str, got {type(value).__name__}"
                        " (money is never a float)")
    if not result.is_finite():
        raise MoneyRuleError(field, f"「{value}」は数値ではありません", "not_a_number")
    return result


def yen(amount: Decimal) -> str:
    return f"{amount:,}円"


def percent(rate: Decimal) -> str:
    return f"{rate * 100:.0f}%"


def tax_label(rate: Decimal, category: str | None = None) -> str:
    """A line's tax as a document prints it: 10%, 8%, or the name of its category outside the tax."""
    if category:
        return NON_TAXABLE_CATEGORIES.get(category, category)
    return percent(Decimal(rate))


def non_taxable_category(code, field: str = "category") -> str:
    """A non-taxable category code (E, O, Z, G), upper-cased; anything else is refused."""
    text = (code or "").strip().upper()
    if text not in NON_TAXABLE_CATEGORIES:
        raise MoneyRuleError(field, f"税区分「{code}」には対応していません（非課税 E、不課税 O、ゼロ税率 Z、輸出免税 G）",
                             "unsupported_category")
    return text


def supported_rate(rate, field: str = "rate") -> Decimal:
    """The canonical Decimal for a supported rate (so 0.1 and 0.10 land in one bucket)."""
    for candidate in SUPPORTED_RATES:
        if rate == candidate:
            return candidate
    raise MoneyRuleError(field, f"税率 {rate} には対応していません（10% または軽減税率 8% のみ）",
                           "unsupported_rate")


# --- tax per rate -------------------------------------------------------------------------

def rounding_mode(rounding: str) -> str:
    if rounding not in ROUNDING_MODES:
        raise MoneyRuleError("rounding", f"端数処理「{rounding}」には対応していません"
                               "（down=切り捨て, up=切り上げ, half_up=四捨五入）",
                               "unsupported_rounding")
    return ROUNDING_MODES[rounding]


def round_yen(amount: Decimal, rounding: str = "down") -> Decimal:
    """Whole yen with the issuer's rounding; 'down' and 'up' are towards and away from zero."""
    # to_integral_value signals no Inexact, so the pricing engine's strict context accepts it;
    # the quantize after it only gives 5E+3 its zero exponent (exact, nothing is lost).
    whole = amount.to_integral_value(rounding=rounding_mode(rounding))
    return whole.quantize(Decimal(1)) if whole.as_tuple().exponent > 0 else whole


def round_ratio(value: Decimal) -> Decimal:
    """A ratio (落札率, price change, score) to 4 decimal places, half up."""
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


class TaxableLine(Protocol):
    amount: Decimal
    rate: Decimal


@dataclass(frozen=True)
class TaxLine:
    """The least a line needs for the tax: its amount (whole yen) and its rate."""
    amount: Decimal
    rate: Decimal


@dataclass(frozen=True)
class TaxBucket:
    """One rate on one invoice. `taxable_amount` is the per-rate sum of line amounts as written:
    tax-exclusive, or tax-inclusive when `prices_include_tax`."""
    taxable_amount: Decimal
    tax: Decimal
    prices_include_tax: bool = False

    @property
    def amount_excluding_tax(self) -> Decimal:
        return self.taxable_amount - self.tax if self.prices_include_tax else self.taxable_amount

    @property
    def amount_including_tax(self) -> Decimal:
        return self.taxable_amount if self.prices_include_tax else self.taxable_amount + self.tax


def tax_on(total: Decimal, rate: Decimal, rounding: str, prices_include_tax: bool = False) -> Decimal:
    """Consumption tax on one per-rate total, rounded once."""
    exact = total * rate / (1 + rate) if prices_include_tax else total * rate
    return round_yen(exact, rounding)


def sums_per_rate(lines: Iterable[TaxableLine]) -> dict[Decimal, Decimal]:
    """Sum of line amounts per rate, standard rate first. Amounts must be whole yen."""
    sums: dict[Decimal, Decimal] = {}
    for index, line in enumerate(lines):
        amount = decimal_value(line.amount, f"lines[{index}].amount")
        if amount != amount.to_integral_value():
            raise MoneyRuleError(f"lines[{index}].amount", f"金額 {amount} は円単位の整数ではありません",
                                   "amount_not_whole_yen")
        rate = supported_rate(decimal_value(line.rate, f"lines[{index}].rate"), f"lines[{index}].rate")
        sums[rate] = sums.get(rate, Decimal(0)) + amount
    return {rate: sums[rate] for rate in SUPPORTED_RATES if rate in sums}


def tax_summary(lines: Iterable[TaxableLine], rounding: str = "down", *,
                prices_include_tax: bool = False) -> dict[Decimal, TaxBucket]:
    """Rate -> TaxBucket, with the tax computed once per rate on the per-rate sum.

    Two 155-yen lines at 10% give 31 yen (310 x 10%), not 15 + 15 = 30.
    """
    rounding_mode(rounding)  # fail on a bad mode even for an empty invoice
    return {rate: TaxBucket(total, tax_on(total, rate, rounding, prices_include_tax), prices_include_tax)
            for rate, total in sums_per_rate(lines).items()}


def non_taxable_sums(amounts: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """(category, amount) pairs of lines outside the tax summed per category (E, O, Z, G order)."""
    sums: dict[str, Decimal] = {}
    for index, (code, amount) in enumerate(amounts):
        category = non_taxable_category(code, f"lines[{index}].category")
        sums[category] = sums.get(category, Decimal(0)) + decimal_value(amount, f"lines[{index}].amount")
    return {code: sums[code] for code in NON_TAXABLE_CATEGORIES if code in sums}


@dataclass(frozen=True)
class InvoiceTotals:
    """An invoice's totals from its lines: the tax per rate (once per rate) and the amounts
    outside the tax per category, which add to the total with no tax."""
    by_rate: dict[Decimal, TaxBucket]
    non_taxable: dict[str, Decimal]

    @property
    def non_taxable_amount(self) -> Decimal:
        return sum(self.non_taxable.values(), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((bucket.amount_including_tax for bucket in self.by_rate.values()), self.non_taxable_amount)


def invoice_totals(lines: Iterable[tuple[Decimal, Decimal, str | None]], rounding: str = "down") -> InvoiceTotals:
    """Totals of (amount, rate, category outside the tax or None) lines, tax-exclusive amounts."""
    lines = list(lines)
    return InvoiceTotals(
        tax_summary([TaxLine(amount, rate) for amount, rate, category in lines if not category], rounding),
        non_taxable_sums((category, amount) for amount, _rate, category in lines if category))

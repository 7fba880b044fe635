"""Three-way match: each invoice line against its order line and the inspection (検収) records.

A line matches when the billed quantity equals the quantity accepted at inspection (less what
earlier invoices already billed) and the unit price is the contract unit price, within the
tolerance the ward sets. An invoice is payable only when every line matches.

Pure: stdlib only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from collections.abc import Hashable, Iterable

from invoicing.tax import decimal_value

ZERO = Decimal(0)


def _decimals(record, *names: str) -> None:
    for name in names:
        setattr(record, name, decimal_value(getattr(record, name), name))


@dataclass
class BilledLine:
    """One line of the vendor's invoice."""
    line_no: int
    order_line_id: Hashable | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal

    def __post_init__(self):
        _decimals(self, "quantity", "unit_price", "amount")


@dataclass
class OrderLine:
    id: Hashable
    quantity: Decimal
    invoiced_quantity: Decimal = ZERO  # already billed on earlier invoices (deliveries split over months)

    def __post_init__(self):
        _decimals(self, "quantity", "invoiced_quantity")


@dataclass
class Inspection:
    """One inspection of a delivery against an order line; partial deliveries give several."""
    order_line_id: Hashable
    accepted_quantity: Decimal
    contract_unit_price: Decimal

    def __post_init__(self):
        _decimals(self, "accepted_quantity", "contract_unit_price")


@dataclass(frozen=True)
class MatchTolerance:
    """What the ward lets pass. Price differences are measured on the line
    (|unit price - contract price| x quantity). When both `amount_yen` and `percent` are set,
    a difference must be within both: the stricter limit wins, as this is public money.
    Nothing set means exact."""
    amount_yen: Decimal | None = None
    percent: Decimal | None = None  # of the line at the contract price: Decimal("1") is 1%
    quantity: Decimal = ZERO

    def __post_init__(self):
        if self.quantity is None:
            object.__setattr__(self, "quantity", ZERO)
        for name in ("amount_yen", "percent", "quantity"):
            value = getattr(self, name)
            if value is not None:
                value = decimal_value(value, name)
                if value < 0:
                    raise ValueError(f"{name}: 許容範囲は0以上です")
                object.__setattr__(self, name, value)

    def allows_price_difference(self, difference: Decimal, line_at_contract: Decimal) -> bool:
        if self.amount_yen is None and self.percent is None:
            return difference == 0
        within_yen = self.amount_yen is None or difference <= self.amount_yen
        within_percent = self.percent is None or difference <= abs(line_at_contract) * self.percent / 100
        return within_yen and within_percent

    def allows_quantity_difference(self, difference: Decimal) -> bool:
        return difference <= self.quantity


EXACT = MatchTolerance()


ALREADY_BILLED = "already_billed"
# Billing more than was accepted and not yet billed: paying it as it stands would pay goods twice
# (or goods never accepted), so such a line can be settled only by a correction or a credit note.
OVERBILLING = frozenset({ALREADY_BILLED, "quantity_exceeds_accepted", "quantity_exceeds_order"})


NON_TAXABLE_LINE = "non_taxable_line"  # 非課税・不課税等: no order line to match, the ward decides


def may_accept(discrepancies: list[dict] | None) -> bool:
    """Whether a mismatched line may be accepted as it stands: never when it bills more than was
    accepted and not yet billed (that would pay goods twice, or goods never accepted)."""
    return not {d.get("code") for d in discrepancies or []} & OVERBILLING


@dataclass(frozen=True)
class Discrepancy:
    code: str     # machine code, e.g. "quantity_exceeds_accepted"
    message: str  # for the person checking the invoice, in Japanese


@dataclass(frozen=True)
class LineMatch:
    line_no: int
    order_line_id: Hashable | None
    discrepancies: tuple[Discrepancy, ...] = ()
    within_tolerance: bool = False  # matched, but only thanks to the ward's tolerance

    @property
    def matched(self) -> bool:
        return not self.discrepancies

    @property
    def codes(self) -> list[str]:
        return [discrepancy.code for discrepancy in self.discrepancies]


@dataclass(frozen=True)
class InvoiceMatch:
    lines: tuple[LineMatch, ...] = field(default_factory=tuple)

    @property
    def payable(self) -> bool:
        return bool(self.lines) and all(line.matched for line in self.lines)

    @property
    def discrepancies(self) -> list[tuple[int, Discrepancy]]:
        return [(line.line_no, discrepancy) for line in self.lines for discrepancy in line.discrepancies]


def _number(value: Decimal) -> str:
    return f"{value:,}"


def _still_to_bill(label: str, total: Decimal, invoiced: Decimal) -> str:
    """'検収済み数量 10', or with earlier invoices '検収済み数量の未請求分 6（検収済み数量 10、既請求 4）'."""
    if not invoiced:
        return f"{label} {_number(total)}"
    return f"{label}の未請求分 {_number(total - invoiced)}（{label} {_number(total)}、既請求 {_number(invoiced)}）"


def _quantity_discrepancies(line: BilledLine, order: OrderLine, accepted: Decimal,
                            tolerance: MatchTolerance) -> list[Discrepancy]:
    billable = accepted - order.invoiced_quantity
    billed = f"請求数量 {_number(line.quantity)} が"
    found = []
    if order.invoiced_quantity and billable <= 0 < line.quantity:
        found.append(Discrepancy(ALREADY_BILLED, f"検収済み数量 {_number(accepted)} はすべて他の請求書で請求済みです"
                                                 f"（既請求 {_number(order.invoiced_quantity)}）。二重請求の疑いがあります"))
    if line.quantity + order.invoiced_quantity > order.quantity + tolerance.quantity:
        ordered_text = _still_to_bill("発注数量", order.quantity, order.invoiced_quantity)
        found.append(Discrepancy("quantity_exceeds_order", f"{billed}{ordered_text} を超えています"))
    accepted_text = _still_to_bill("検収済み数量", accepted, order.invoiced_quantity)
    if line.quantity > billable and not tolerance.allows_quantity_difference(line.quantity - billable):
        found.append(Discrepancy("quantity_exceeds_accepted", f"{billed}{accepted_text} を超えています"))
    if line.quantity < billable and not tolerance.allows_quantity_difference(billable - line.quantity):
        found.append(Discrepancy("quantity_below_accepted", f"{billed}{accepted_text} に足りません"))
    return found


def _price_discrepancies(line: BilledLine, contract_price: Decimal,
                         tolerance: MatchTolerance) -> list[Discrepancy]:
    difference = abs(line.unit_price - contract_price) * line.quantity
    if tolerance.allows_price_difference(difference, contract_price * line.quantity):
        return []
    return [Discrepancy("price_differs_from_contract",
                        f"請求単価 {_number(line.unit_price)} 円が契約単価 {_number(contract_price)} 円と"
                        f"異なります（差額 {_number(difference)} 円が許容範囲を超えています）")]


def _arithmetic_discrepancies(line: BilledLine) -> list[Discrepancy]:
    product = line.quantity * line.unit_price
    # Whole-yen rounding of a fractional product (12.5 yen x 3) is not a discrepancy.
    if abs(line.amount - product) < 1:
        return []
    return [Discrepancy("amount_not_quantity_times_price",
                        f"金額 {_number(line.amount)} 円が 数量 {_number(line.quantity)} × 単価 "
                        f"{_number(line.unit_price)} 円 = {_number(product)} 円と一致しません")]


def match_line(line: BilledLine, order: OrderLine | None, inspections: list[Inspection],
               tolerance: MatchTolerance = EXACT) -> LineMatch:
    """One invoice line against its order line and the inspections of that order line."""
    def result(*discrepancies: Discrepancy, within_tolerance: bool = False) -> LineMatch:
        return LineMatch(line.line_no, line.order_line_id, tuple(discrepancies), within_tolerance)

    if order is None:
        return result(Discrepancy("no_order_line",
                                  f"対応する発注明細（{line.order_line_id}）が見つかりません"))
    if not inspections:
        return result(Discrepancy("no_inspection", "この発注明細はまだ検収されていません"),
                      *_arithmetic_discrepancies(line))
    contract_prices = {inspection.contract_unit_price for inspection in inspections}
    if len(contract_prices) > 1:
        prices = "、".join(sorted(_number(price) for price in contract_prices))
        return result(Discrepancy("inconsistent_contract_price",
                                  f"検収記録の契約単価が一致しません（{prices} 円）"))
    contract_price = contract_prices.pop()
    accepted = sum((inspection.accepted_quantity for inspection in inspections), ZERO)
    found = [*_quantity_discrepancies(line, order, accepted, tolerance),
             *_price_discrepancies(line, contract_price, tolerance),
             *_arithmetic_discrepancies(line)]
    exact = line.quantity == accepted - order.invoiced_quantity and line.unit_price == contract_price
    return result(*found, within_tolerance=not found and not exact)


def match_invoice(lines: Iterable[BilledLine], order_lines: Iterable[OrderLine],
                  inspections: Iterable[Inspection],
                  tolerance: MatchTolerance | None = None) -> InvoiceMatch:
    """Every invoice line matched; the invoice is payable when all of them are."""
    tolerance = tolerance or EXACT
    orders = {order.id: order for order in order_lines}
    by_order: dict[Hashable, list[Inspection]] = {}
    for inspection in inspections:
        by_order.setdefault(inspection.order_line_id, []).append(inspection)
    results, billed_orders = [], set()
    for line in lines:
        if line.order_line_id in billed_orders:
            # Billing one order line twice on one invoice would count its accepted quantity twice.
            results.append(LineMatch(line.line_no, line.order_line_id, (Discrepancy(
                "duplicate_order_line",
                f"発注明細（{line.order_line_id}）はこの請求書の別の行ですでに請求されています"),)))
            continue
        if line.order_line_id is not None:
            billed_orders.add(line.order_line_id)
        results.append(match_line(line, orders.get(line.order_line_id),
                                  by_order.get(line.order_line_id, []), tolerance))
    return InvoiceMatch(tuple(results))

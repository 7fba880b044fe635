"""発注書: an order as the documents a ward sends, one per vendor (an order may hold several
vendors' lines), with the approved lines only, the amounts per tax rate and the dates in 和暦."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.approval import APPROVED
from catalog.order_models import Order, OrderLine
from procure.money import TaxLine, tax_summary


@dataclass
class VendorPart:
    vendor: object
    lines: list[OrderLine]
    by_rate: dict  # rate -> TaxBucket (tax once per rate, rounded down: the estimate an order shows)
    total: Decimal


def vendor_parts(order: Order) -> list[VendorPart]:
    parts: dict[int, list[OrderLine]] = {}
    for line in order.lines:
        if line.approval == APPROVED:
            parts.setdefault(line.vendor_id, []).append(line)
    result = []
    for lines in parts.values():
        by_rate = tax_summary([TaxLine(line.amount, Decimal(line.tax_rate).quantize(Decimal("0.01"))) for line in lines])
        result.append(VendorPart(lines[0].vendor, lines, dict(sorted(by_rate.items(), reverse=True)),
                                 sum((b.amount_including_tax for b in by_rate.values()), Decimal(0))))
    return sorted(result, key=lambda part: part.vendor.name)

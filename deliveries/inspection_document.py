"""検収調書: what was inspected in one delivery and what it is worth: accepted and rejected
quantities, the contract unit price of each line, the accepted amounts and tax per rate."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from procure.money import TaxLine, tax_summary


@dataclass
class InspectedLine:
    description: str
    unit: str
    delivered: int
    accepted: int
    rejected: int
    reason: str | None
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal  # accepted x unit price, tax exclusive


def _contract_lines(contract_id: int) -> list[dict]:
    """A tender contract's lines, read by table name: deliveries sits below tenders (as its
    relationships to order lines are named, not imported)."""
    from sqlalchemy import select

    from procure.extensions import db

    table = db.metadata.tables["tender_contract"]
    return db.session.execute(select(table.c.lines).where(table.c.id == contract_id)).scalar_one()


def inspected_lines(delivery) -> list[InspectedLine]:
    rows = []
    for line in delivery.lines:
        inspection = line.inspection
        if line.order_line is not None:
            price, rate, unit = line.order_line.unit_price, line.order_line.tax_rate, line.order_line.unit
        else:
            contract_line = _contract_lines(line.contract_id)[line.contract_line]
            price = Decimal(str(contract_line["unit_price"]))
            rate, unit = Decimal(str(contract_line.get("tax_rate") or "0.10")), contract_line.get("unit") or ""
        accepted = inspection.accepted_quantity if inspection else 0
        rows.append(InspectedLine(line.description, unit, line.quantity, accepted,
                                  inspection.rejected_quantity if inspection else 0,
                                  inspection.rejection_reason if inspection else None, Decimal(price),
                                  Decimal(rate).quantize(Decimal("0.01")), Decimal(price) * accepted))
    return rows


def totals(lines: list[InspectedLine]) -> tuple[dict, Decimal]:
    by_rate = tax_summary([TaxLine(line.amount, line.tax_rate) for line in lines])
    return dict(sorted(by_rate.items(), reverse=True)), sum((b.amount_including_tax for b in by_rate.values()),
                                                            Decimal(0))

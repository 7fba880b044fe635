"""Billed once, by the database: the billed-units ledger (invoicing.models.BilledUnits).

The three-way match already flags a line that bills goods billed elsewhere, but it reads what
other invoices hold, so two invoices matched at the same moment would each see the goods as
unbilled. Here, when an invoice is about to become payable, its goods lines claim their units in
the ledger: the rows are locked in a fixed order (a concurrent claim waits, then sees these units),
a claim beyond the accepted units is refused and the line flagged as already billed, and the
ledger's CHECK (billed <= accepted) holds even if this code were wrong.

Electricity months and pooled-price adjustments are billed once by unique indexes instead
(invoicing.models.InvoiceLine)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from deliveries import services as deliveries
from invoicing.matching import ALREADY_BILLED
from invoicing.models import CREDIT_NOTE, BilledUnits, Invoice, InvoiceLine
from procure.extensions import db

ORDER_LINE, CONTRACT_LINE, LEASE_MONTH = "order_line", "contract_line", "lease_month"
ZERO = Decimal(0)


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def lease_units(contract_id: int, index: int, months: int, year: int, month: int) -> Decimal:
    """Accepted units of a leased line whose lease (from the delivery month, `months` long) runs
    in this month."""
    target = month_index(year, month)
    rows = deliveries.accepted_by_delivery_day(contract_id, index).items()
    return sum((Decimal(q) for day, q in rows
                if month_index(day.year, day.month) <= target < month_index(day.year, day.month) + months), ZERO)


def _n(value) -> str:
    return f"{Decimal(value).normalize():,f}"


def counted_quantity(line: InvoiceLine) -> Decimal:
    """The units the invoice pays for on this line: its quantity less the whole units a credit
    note (赤伝) takes back (a credit smaller than one unit is a price reduction, not units)."""
    quantity = Decimal(line.quantity)
    if line.resolution != CREDIT_NOTE or not line.credit_amount or line.unit_price <= 0:
        return quantity
    credited = (Decimal(line.credit_amount) / Decimal(line.unit_price)).to_integral_value(ROUND_FLOOR)
    return max(ZERO, quantity - credited)


@dataclass(frozen=True)
class Subject:
    kind: str
    ref_id: int
    line_index: int = 0
    period: int = 0

    def describe(self) -> str:
        if self.kind == ORDER_LINE:
            return f"発注明細 {self.ref_id}"
        if self.kind == LEASE_MONTH:
            year, month = divmod(self.period, 12)
            return f"契約 {self.ref_id} の {self.line_index + 1} 行目（{year}年{month + 1}月分の賃貸借）"
        return f"契約 {self.ref_id} の {self.line_index + 1} 行目"


def _subject(line: InvoiceLine, invoice: Invoice) -> Subject | None:
    if line.order_line_id is not None:
        return Subject(ORDER_LINE, line.order_line_id)
    if line.contract_id is not None and line.contract_line is not None:
        from tenders.models import Contract

        contract = db.session.get(Contract, line.contract_id)
        terms = contract.lines[line.contract_line] if contract is not None else {}
        if terms.get("lease_months"):
            return Subject(LEASE_MONTH, line.contract_id, line.contract_line, month_index(invoice.year, invoice.month))
        return Subject(CONTRACT_LINE, line.contract_id, line.contract_line)
    return None  # electricity readings and pooled adjustments: unique indexes


def _accepted_now(subject: Subject) -> Decimal:
    """Units accepted at inspection so far (they only grow)."""
    if subject.kind == ORDER_LINE:
        return Decimal(deliveries.accepted_by_order_line([subject.ref_id], date.max).get(subject.ref_id, 0))
    if subject.kind == CONTRACT_LINE:
        accepted = deliveries.accepted_by_contract_line([subject.ref_id], date.max)
        return Decimal(accepted.get((subject.ref_id, subject.line_index), 0))
    from tenders.models import Contract

    months = db.session.get(Contract, subject.ref_id).lines[subject.line_index]["lease_months"]
    year, month = divmod(subject.period, 12)
    return lease_units(subject.ref_id, subject.line_index, months, year, month + 1)


def _locked_row(subject: Subject) -> BilledUnits:
    """The subject's ledger row, made if missing, locked until the transaction ends."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"kind": subject.kind, "ref_id": subject.ref_id, "line_index": subject.line_index,
              "period": subject.period, "accepted": ZERO, "billed": ZERO}
    db.session.execute(insert(BilledUnits).values(**values).on_conflict_do_nothing(
        index_elements=["kind", "ref_id", "line_index", "period"]))
    return db.session.scalars(
        select(BilledUnits).filter_by(kind=subject.kind, ref_id=subject.ref_id, line_index=subject.line_index,
                                      period=subject.period)
        .with_for_update().execution_options(populate_existing=True)).one()


def claim(invoice: Invoice) -> list[tuple[InvoiceLine, str]]:
    """Claim the units of the invoice's goods lines for payment. All or nothing: when any line
    would pay units beyond those accepted, nothing is claimed and the lines at fault are returned
    with the reason; otherwise every line's units are added to the ledger (and to the line)."""
    wanted: dict[Subject, list[InvoiceLine]] = {}
    for line in invoice.lines:
        subject = _subject(line, invoice)
        if subject is not None:
            wanted.setdefault(subject, []).append(line)
    refused, updates = [], []
    for subject in sorted(wanted, key=lambda s: (s.kind, s.ref_id, s.line_index, s.period)):
        row = _locked_row(subject)
        accepted = max(Decimal(row.accepted), _accepted_now(subject))
        units = sum((counted_quantity(line) for line in wanted[subject]), ZERO)
        if Decimal(row.billed) + units > accepted:
            reason = (f"{subject.describe()}: 検収済み {_n(accepted)} のうち {_n(row.billed)} は他の請求書で"
                      f"支払済み・支払予定です。この請求の {_n(units)} を合わせると検収済みの数量を超えます"
                      "（二重請求の疑い）")
            refused.extend((line, reason) for line in wanted[subject])
        updates.append((row.id, accepted, units))
    if refused:
        return refused
    for row_id, accepted, units in updates:
        db.session.execute(update(BilledUnits).where(BilledUnits.id == row_id)
                           .values(accepted=accepted, billed=BilledUnits.billed + units))
    for lines in wanted.values():
        for line in lines:
            line.counted_quantity = counted_quantity(line)
    return []


def flag_refused(refused: list[tuple[InvoiceLine, str]]) -> None:
    """Lines whose units were refused: a discrepancy that can be settled only by a correction or
    a credit note for the whole line (matching.may_accept), whatever was decided before."""
    for line, reason in refused:
        codes = {d.get("code") for d in line.discrepancies or []}
        if ALREADY_BILLED not in codes:
            line.discrepancies = [*(line.discrepancies or []), {"code": ALREADY_BILLED, "message": reason}]
        line.matched = False
        line.resolution, line.credit_amount = None, None

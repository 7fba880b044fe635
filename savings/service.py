"""Recording savings when amounts are fixed, and reading them by ward, category and month."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from procure.extensions import db
from procure.pricing import rate_4dp_half_up
from savings.models import SavingsEntry


def record(*, ward_id: int, source: str, source_id: int, title: str, category: str, fixed_on: date,
           reference_kind: str, reference_amount: Decimal, paid_amount: Decimal) -> SavingsEntry:
    """Once per source row: a second call for the same row keeps the first figures."""
    entry = db.session.scalar(select(SavingsEntry).filter_by(source=source, source_id=source_id))
    if entry is None:
        entry = SavingsEntry(ward_id=ward_id, source=source, source_id=source_id, title=title[:200],
                             category=category[:60], fixed_on=fixed_on, reference_kind=reference_kind,
                             reference_amount=reference_amount, paid_amount=paid_amount,
                             saving=reference_amount - paid_amount)
        db.session.add(entry)
    return entry


def entries(ward_id: int | None = None) -> list[SavingsEntry]:
    stmt = select(SavingsEntry).order_by(SavingsEntry.fixed_on.desc(), SavingsEntry.id.desc())
    if ward_id is not None:
        stmt = stmt.where(SavingsEntry.ward_id == ward_id)
    return db.session.scalars(stmt).all()


def totals_by(rows: list[SavingsEntry], key) -> dict[str, dict[str, Decimal]]:
    """{group: {"reference", "paid", "saving"}} in the order groups first appear."""
    result: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"reference": Decimal(0), "paid": Decimal(0),
                                                                 "saving": Decimal(0)})
    for row in rows:
        group = result[key(row)]
        group["reference"] += row.reference_amount
        group["paid"] += row.paid_amount
        group["saving"] += row.saving
    return dict(result)


def rate(reference: Decimal, saving: Decimal) -> Decimal | None:
    """The saving rate by the engine's rule for rates (4 places, half up)."""
    return rate_4dp_half_up(saving, reference) if reference else None

"""Goods are billed once, by the database itself: a ledger of billed units per order line,
tender contract line and leased month, with CHECK (billed <= accepted); an invoice's lines claim
their units when it becomes payable (invoicing.ledger). Filled from the invoices already payable,
in payment or paid.

Revision ID: 7e3b1c9d5a20
Revises: 4d8e1f6a2b95
Create Date: 2026-12-06
"""
import json
from decimal import ROUND_FLOOR, Decimal

from alembic import op
import sqlalchemy as sa

revision = '7e3b1c9d5a20'
down_revision = '4d8e1f6a2b95'
branch_labels = None
depends_on = None

COUNTED_STATUSES = ("payable", "payment_pending", "paid", "matched")


def upgrade():
    op.create_table(
        "billed_units",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Numeric(18, 4), nullable=False),
        sa.Column("billed", sa.Numeric(18, 4), nullable=False),
        sa.UniqueConstraint("kind", "ref_id", "line_index", "period", name="uq_billed_units_subject"),
        sa.CheckConstraint("billed >= 0", name=op.f("ck_billed_units_billed_not_negative")),
        sa.CheckConstraint("billed <= accepted", name=op.f("ck_billed_units_billed_within_accepted")),
    )
    with op.batch_alter_table("invoice_line") as batch:
        batch.add_column(sa.Column("counted_quantity", sa.Numeric(18, 4), nullable=True))
    _fill()


def _counted(quantity, unit_price, resolution, credit) -> Decimal:
    quantity = Decimal(str(quantity))
    if resolution != "credit_note" or not credit or Decimal(str(unit_price)) <= 0:
        return quantity
    credited = (Decimal(str(credit)) / Decimal(str(unit_price))).to_integral_value(ROUND_FLOOR)
    return max(Decimal(0), quantity - credited)


def _fill():
    """Units of invoices already payable or further; accepted starts equal to billed and is raised
    to the inspected units by the next claim."""
    bind = op.get_bind()
    leases = {}
    for contract_id, lines in bind.execute(sa.text("SELECT id, lines FROM tender_contract")):
        lines = json.loads(lines) if isinstance(lines, str) else lines
        for index, line in enumerate(lines or []):
            if isinstance(line, dict) and line.get("lease_months"):
                leases[(contract_id, index)] = True
    rows = bind.execute(sa.text(
        "SELECT l.id, l.order_line_id, l.contract_id, l.contract_line, l.quantity, l.unit_price, l.resolution, "
        "l.credit_amount, i.year, i.month FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id "
        "WHERE i.status IN :statuses AND (l.order_line_id IS NOT NULL OR l.contract_id IS NOT NULL)"
    ).bindparams(sa.bindparam("statuses", expanding=True)), {"statuses": list(COUNTED_STATUSES)})
    totals: dict[tuple, Decimal] = {}
    for line_id, order_line, contract, contract_line, quantity, price, resolution, credit, year, month in rows:
        if order_line is not None:
            key = ("order_line", order_line, 0, 0)
        elif (contract, contract_line) in leases:
            key = ("lease_month", contract, contract_line, year * 12 + month - 1)
        else:
            key = ("contract_line", contract, contract_line or 0, 0)
        units = _counted(quantity, price, resolution, credit)
        totals[key] = totals.get(key, Decimal(0)) + units
        bind.execute(sa.text("UPDATE invoice_line SET counted_quantity = :units WHERE id = :id"),
                     {"units": units, "id": line_id})
    for (kind, ref_id, line_index, period), units in totals.items():
        bind.execute(sa.text("INSERT INTO billed_units (kind, ref_id, line_index, period, accepted, billed) "
                             "VALUES (:kind, :ref_id, :line_index, :period, :units, :units)"),
                     {"kind": kind, "ref_id": ref_id, "line_index": line_index, "period": period, "units": units})


def downgrade():
    with op.batch_alter_table("invoice_line") as batch:
        batch.drop_column("counted_quantity")
    op.drop_table("billed_units")

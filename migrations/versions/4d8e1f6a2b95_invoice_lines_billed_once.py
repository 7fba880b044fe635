"""A reading's charge and a pooled-price adjustment are billed once, by the database itself:
invoice lines are live until their invoice is superseded, and live lines are unique per reading
charge and per adjustment (partial unique indexes).

Revision ID: 4d8e1f6a2b95
Revises: 9b7c2d4e6f13
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '4d8e1f6a2b95'
down_revision = '9b7c2d4e6f13'
branch_labels = None
depends_on = None

LIVE_READING = sa.text("live AND reading_id IS NOT NULL")
LIVE_ADJUSTMENT = sa.text("live AND pooled_adjustment_id IS NOT NULL")


def upgrade():
    op.add_column("invoice_line", sa.Column("live", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE invoice_line SET live = false WHERE invoice_id IN "
               "(SELECT id FROM invoice WHERE status = 'superseded')")
    op.create_index("uq_invoice_line_live_reading", "invoice_line", ["reading_id", "charge_kind"], unique=True,
                    postgresql_where=LIVE_READING, sqlite_where=LIVE_READING)
    op.create_index("uq_invoice_line_live_adjustment", "invoice_line", ["pooled_adjustment_id"], unique=True,
                    postgresql_where=LIVE_ADJUSTMENT, sqlite_where=LIVE_ADJUSTMENT)


def downgrade():
    op.drop_index("uq_invoice_line_live_adjustment", table_name="invoice_line")
    op.drop_index("uq_invoice_line_live_reading", table_name="invoice_line")
    with op.batch_alter_table("invoice_line") as batch:
        batch.drop_column("live")

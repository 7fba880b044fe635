"""Card payment reconciliation findings (duplicate charges, charges unknown to the provider,
charges not recorded).

Revision ID: 8c6f0a2e4b19
Revises: 5e2b8c4d1f07
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from procure.dbtypes import UTCDateTime

revision = '8c6f0a2e4b19'
down_revision = '5e2b8c4d1f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_card_finding_invoice_id"), "card_finding", ["invoice_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_card_finding_invoice_id"), table_name="card_finding")
    op.drop_table("card_finding")

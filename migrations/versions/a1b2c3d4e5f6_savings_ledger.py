"""The savings ledger: per fixed amount (a tender's ward contract), its reference, the amount paid
and the saving, stored once.

Revision ID: a1b2c3d4e5f6
Revises: 9d5e3a7b1c24
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = 'a1b2c3d4e5f6'
down_revision = '9d5e3a7b1c24'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 4)


def upgrade():
    op.create_table(
        "savings_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("ward.id", name=op.f("fk_savings_entry_ward_id_ward")),
                  nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("fixed_on", sa.Date(), nullable=False),
        sa.Column("reference_kind", sa.String(20), nullable=False),
        sa.Column("reference_amount", MONEY, nullable=False),
        sa.Column("paid_amount", MONEY, nullable=False),
        sa.Column("saving", MONEY, nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_savings_entry_source")),
    )
    op.create_index(op.f("ix_savings_entry_ward_id"), "savings_entry", ["ward_id"])


def downgrade():
    op.drop_index(op.f("ix_savings_entry_ward_id"), table_name="savings_entry")
    op.drop_table("savings_entry")

"""A tender (and each of its lots) has a pricing policy: pooled, individual or grouped volume-tier
prices, with the rounding rule (procure.pricing.policy). None is the pooled policy used so far.

Revision ID: 5c2d8e4f7a31
Revises: 7e3b1c9d5a20
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '5c2d8e4f7a31'
down_revision = '7e3b1c9d5a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tender") as batch:
        batch.add_column(sa.Column("pricing_policy", sa.JSON(), nullable=True))
    with op.batch_alter_table("tender_lot") as batch:
        batch.add_column(sa.Column("pricing_policy", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("tender_lot") as batch:
        batch.drop_column("pricing_policy")
    with op.batch_alter_table("tender") as batch:
        batch.drop_column("pricing_policy")

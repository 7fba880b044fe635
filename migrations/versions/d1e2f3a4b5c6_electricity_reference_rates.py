"""Electricity tenders: the rates before the tender, the savings reference

Revision ID: d1e2f3a4b5c6
Revises: c9d0e1f2a3b4
"""
import sqlalchemy as sa
from alembic import op

revision = 'd1e2f3a4b5c6'
down_revision = 'c9d0e1f2a3b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tender") as batch:
        batch.add_column(sa.Column("reference_rates", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("tender") as batch:
        batch.drop_column("reference_rates")

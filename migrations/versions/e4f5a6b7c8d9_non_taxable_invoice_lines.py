"""Invoice lines outside the consumption tax (非課税 E, 不課税 O, Z, G) and the invoice's amount of them

Revision ID: e4f5a6b7c8d9
Revises: d3e4f5a6b7c8
"""
import sqlalchemy as sa
from alembic import op

import procure.dbtypes

revision = 'e4f5a6b7c8d9'
down_revision = 'd3e4f5a6b7c8'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("invoice", sa.Column("amount_non_taxable", procure.dbtypes.Money(precision=18, scale=4),
                                       server_default="0", nullable=False))
    op.add_column("invoice_line", sa.Column("non_taxable_category", sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table("invoice_line") as batch:
        batch.drop_column("non_taxable_category")
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("amount_non_taxable")

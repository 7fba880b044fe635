"""Fee contracts: a term by months and the wards taking part

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
"""
import sqlalchemy as sa
from alembic import op

revision = 'e2f3a4b5c6d7'
down_revision = 'd1e2f3a4b5c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fee_contract") as batch:
        batch.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("ward_ids", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("fee_contract") as batch:
        batch.drop_column("ward_ids")
        batch.drop_column("ends_on")
        batch.drop_column("starts_on")

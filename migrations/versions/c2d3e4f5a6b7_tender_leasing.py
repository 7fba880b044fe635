"""PC tenders say whether they buy, lease, or either (別表第5 counts purchases and leases apart)

Revision ID: c2d3e4f5a6b7
Revises: b1c2d3e4f5a6
"""
import sqlalchemy as sa
from alembic import op

revision = 'c2d3e4f5a6b7'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tender") as batch:
        batch.add_column(sa.Column("leasing", sa.String(10), nullable=False, server_default="allowed"))


def downgrade():
    with op.batch_alter_table("tender") as batch:
        batch.drop_column("leasing")

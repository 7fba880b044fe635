"""One active bid per vendor and tender (a partial unique index), so that racing submissions
cannot leave two active bids.

Revision ID: d3a1c7e90b21
Revises: b4637cdf5d35
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = 'd3a1c7e90b21'
down_revision = 'b4637cdf5d35'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def upgrade():
    op.create_index("uq_bid_active", "bid", ["tender_id", "vendor_id"], unique=True,
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade():
    op.drop_index("uq_bid_active", table_name="bid")

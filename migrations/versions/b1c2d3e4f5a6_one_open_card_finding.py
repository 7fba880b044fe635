"""One open card-payment finding per invoice and kind (a partial unique index), so that two
reconciliations running at once cannot record the same discrepancy twice

Revision ID: b1c2d3e4f5a6
Revises: a0b1c2d3e4f5
"""
import sqlalchemy as sa
from alembic import op

revision = 'b1c2d3e4f5a6'
down_revision = 'a0b1c2d3e4f5'
branch_labels = None
depends_on = None

OPEN = sa.text("resolved_at IS NULL")


def upgrade():
    # Duplicates left by earlier racing runs: keep the oldest open row of each.
    op.execute("UPDATE card_finding SET resolved_at = found_at WHERE resolved_at IS NULL AND id NOT IN "
               "(SELECT MIN(id) FROM card_finding WHERE resolved_at IS NULL GROUP BY invoice_id, kind)")
    op.create_index("uq_card_finding_open", "card_finding", ["invoice_id", "kind"], unique=True,
                    postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index("uq_card_finding_open", table_name="card_finding")

"""Each sealed bid records which key sealed it (a key check value), so that opening under another
key is refused before any bid is judged.

Revision ID: 5e2b8c4d1f07
Revises: d3a1c7e90b21
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '5e2b8c4d1f07'
down_revision = 'd3a1c7e90b21'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("bid", sa.Column("key_check", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("bid") as batch:
        batch.drop_column("key_check")

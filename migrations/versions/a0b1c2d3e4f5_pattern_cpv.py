"""Tender items may carry their CPV code (OCDS item classification)

Revision ID: a0b1c2d3e4f5
Revises: f9a0b1c2d3e4
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0b1c2d3e4f5'
down_revision = 'f9a0b1c2d3e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pc_pattern") as batch:
        batch.add_column(sa.Column("cpv", sa.String(8), nullable=True))


def downgrade():
    with op.batch_alter_table("pc_pattern") as batch:
        batch.drop_column("cpv")

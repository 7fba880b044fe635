"""Tenders record how they are procured (一般競争入札, 指名競争入札, 随意契約) and its legal ground

Revision ID: c6d7e8f9a0b1
Revises: b5c6d7e8f9a0
"""
import sqlalchemy as sa
from alembic import op

revision = 'c6d7e8f9a0b1'
down_revision = 'b5c6d7e8f9a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tender") as batch:
        batch.add_column(sa.Column("procurement_method", sa.String(10), nullable=False, server_default="open"))
        batch.add_column(sa.Column("procurement_ground", sa.String(20), nullable=True))


def downgrade():
    with op.batch_alter_table("tender") as batch:
        batch.drop_column("procurement_ground")
        batch.drop_column("procurement_method")

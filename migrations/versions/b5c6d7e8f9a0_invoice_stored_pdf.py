"""Invoices: the PDF as issued, kept in stored files by the monthly batch

Revision ID: b5c6d7e8f9a0
Revises: a4b5c6d7e8f9
"""
import sqlalchemy as sa
from alembic import op

revision = 'b5c6d7e8f9a0'
down_revision = 'a4b5c6d7e8f9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("pdf_file_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("pdf_file_id")

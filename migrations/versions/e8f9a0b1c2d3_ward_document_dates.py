"""Each ward chooses how dates are written on the documents it files (和暦 or 西暦)

Revision ID: e8f9a0b1c2d3
Revises: d7e8f9a0b1c2
"""
import sqlalchemy as sa
from alembic import op

revision = 'e8f9a0b1c2d3'
down_revision = 'd7e8f9a0b1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ward_preference",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("ward.id"), nullable=False, unique=True),
        sa.Column("document_dates", sa.String(10), nullable=False),
    )


def downgrade():
    op.drop_table("ward_preference")

"""Catalog vendors' 単価契約 with the office: how each was awarded (method and legal ground), its
予定価格 and its term

Revision ID: f9a0b1c2d3e4
Revises: e8f9a0b1c2d3
"""
import sqlalchemy as sa
from alembic import op

revision = 'f9a0b1c2d3e4'
down_revision = 'e8f9a0b1c2d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalog_agreement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("procurement_method", sa.String(10), nullable=False),
        sa.Column("procurement_ground", sa.String(20), nullable=True),
        sa.Column("estimated_amount", sa.Numeric(18, 4), nullable=True),
        sa.Column("concluded_on", sa.Date(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_catalog_agreement_vendor_id", "catalog_agreement", ["vendor_id"])


def downgrade():
    op.drop_index("ix_catalog_agreement_vendor_id", "catalog_agreement")
    op.drop_table("catalog_agreement")

"""Pooled catalog items have a pricing policy for month close (pooled, individual, grouped); each
adjustment records the policy and the quantity that set its tier.

Revision ID: b7c8d9e0f1a2
Revises: a1b2c3d4e5f6
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7c8d9e0f1a2'
down_revision = 'a1b2c3d4e5f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pooled_item_policy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id", name=op.f("fk_pooled_item_policy_vendor_id_vendor")),
                  nullable=False),
        sa.Column("sku", sa.String(40), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("set_by_id", sa.Integer(),
                  sa.ForeignKey("user_account.id", name=op.f("fk_pooled_item_policy_set_by_id_user_account")),
                  nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("vendor_id", "sku", name=op.f("uq_pooled_item_policy_vendor_id")),
    )
    with op.batch_alter_table("pooled_adjustment") as batch:
        batch.add_column(sa.Column("pricing_mode", sa.String(12), nullable=False, server_default="pooled"))
        batch.add_column(sa.Column("tier_quantity", sa.Integer(), nullable=True))
    op.execute("UPDATE pooled_adjustment SET tier_quantity = pooled_quantity")


def downgrade():
    with op.batch_alter_table("pooled_adjustment") as batch:
        batch.drop_column("tier_quantity")
        batch.drop_column("pricing_mode")
    op.drop_table("pooled_item_policy")

"""Cost-share bills are paid by Zengin like invoices: a state (issued, payment pending, paid), the
transfer file that pays them, and the office's receiving account.

Revision ID: c9d0e1f2a3b4
Revises: b7c8d9e0f1a2
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = 'c9d0e1f2a3b4'
down_revision = 'b7c8d9e0f1a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cost_share_bill") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="issued"))
        batch.add_column(sa.Column("zengin_batch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("paid_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_cost_share_bill_zengin_batch_id_zengin_batch"), "zengin_batch",
                                 ["zengin_batch_id"], ["id"])
    op.create_table(
        "office_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bank_code", sa.String(4), nullable=False),
        sa.Column("bank_name_kana", sa.String(15), nullable=False),
        sa.Column("branch_code", sa.String(3), nullable=False),
        sa.Column("branch_name_kana", sa.String(15), nullable=False),
        sa.Column("account_type", sa.String(1), nullable=False),
        sa.Column("account_number", sa.String(7), nullable=False),
        sa.Column("account_name_kana", sa.String(30), nullable=False),
    )


def downgrade():
    op.drop_table("office_account")
    with op.batch_alter_table("cost_share_bill") as batch:
        batch.drop_constraint(op.f("fk_cost_share_bill_zengin_batch_id_zengin_batch"), type_="foreignkey")
        batch.drop_column("paid_at")
        batch.drop_column("zengin_batch_id")
        batch.drop_column("status")

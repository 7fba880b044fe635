"""The office's running costs shared among the wards (運営費負担金): cost items per fiscal year with
their weights, each ward's standalone reference, and the bills issued.

Revision ID: 9d5e3a7b1c24
Revises: 8a4f2b6c9d13
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '9d5e3a7b1c24'
down_revision = '8a4f2b6c9d13'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 4)


def _user_fk(table, column):
    return sa.ForeignKey("user_account.id", name=op.f(f"fk_{table}_{column}_user_account"))


def upgrade():
    op.create_table(
        "running_cost",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("weight_equal", MONEY, nullable=False),
        sa.Column("weight_population", MONEY, nullable=False),
        sa.Column("weight_quantity", MONEY, nullable=False),
        sa.Column("created_by_id", sa.Integer(), _user_fk("running_cost", "created_by_id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(op.f("ix_running_cost_fiscal_year"), "running_cost", ["fiscal_year"])
    op.create_table(
        "standalone_reference",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("ward.id", name=op.f("fk_standalone_reference_ward_id_ward")),
                  nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), _user_fk("standalone_reference", "recorded_by_id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("fiscal_year", "ward_id", name=op.f("uq_standalone_reference_fiscal_year")),
    )
    op.create_table(
        "cost_share_bill",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("ward.id", name=op.f("fk_cost_share_bill_ward_id_ward")),
                  nullable=False),
        sa.Column("joint_amount", MONEY, nullable=False),
        sa.Column("standalone_amount", MONEY, nullable=True),
        sa.Column("shares", MONEY, nullable=False),
        sa.Column("adjustment", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("min_savings_rate", MONEY, nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), _user_fk("cost_share_bill", "issued_by_id"), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("fiscal_year", "ward_id", name=op.f("uq_cost_share_bill_fiscal_year")),
        sa.UniqueConstraint("number", name=op.f("uq_cost_share_bill_number")),
    )
    op.create_index(op.f("ix_cost_share_bill_ward_id"), "cost_share_bill", ["ward_id"])


def downgrade():
    op.drop_index(op.f("ix_cost_share_bill_ward_id"), table_name="cost_share_bill")
    op.drop_table("cost_share_bill")
    op.drop_table("standalone_reference")
    op.drop_index(op.f("ix_running_cost_fiscal_year"), table_name="running_cost")
    op.drop_table("running_cost")

"""Pooled-volume service fees (seed 000): fee contracts with a base fee and unit-fee tiers, the
units each ward reports per month, and invoice lines that bill a ward's month once (a partial
unique index per usage and charge kind on live lines).

Revision ID: 8a4f2b6c9d13
Revises: 5c2d8e4f7a31
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '8a4f2b6c9d13'
down_revision = '5c2d8e4f7a31'
branch_labels = None
depends_on = None

LIVE_FEE = sa.text("live AND fee_usage_id IS NOT NULL")


def upgrade():
    op.create_table(
        "fee_contract",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id", name=op.f("fk_fee_contract_vendor_id_vendor")),
                  nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("unit_label", sa.String(20), nullable=False),
        sa.Column("base_fee", sa.Numeric(18, 4), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("tax_rate", sa.Numeric(18, 4), nullable=False),
        sa.Column("created_by_id", sa.Integer(),
                  sa.ForeignKey("user_account.id", name=op.f("fk_fee_contract_created_by_id_user_account")),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(op.f("ix_fee_contract_vendor_id"), "fee_contract", ["vendor_id"])
    op.create_table(
        "fee_usage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fee_contract_id", sa.Integer(),
                  sa.ForeignKey("fee_contract.id", name=op.f("fk_fee_usage_fee_contract_id_fee_contract")),
                  nullable=False),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("ward.id", name=op.f("fk_fee_usage_ward_id_ward")),
                  nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(),
                  sa.ForeignKey("user_account.id", name=op.f("fk_fee_usage_reported_by_id_user_account")),
                  nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("fee_contract_id", "ward_id", "year", "month",
                            name=op.f("uq_fee_usage_fee_contract_id")),
        sa.CheckConstraint("units >= 0", name=op.f("ck_fee_usage_units_not_negative")),
    )
    op.create_index(op.f("ix_fee_usage_fee_contract_id"), "fee_usage", ["fee_contract_id"])
    op.create_index(op.f("ix_fee_usage_ward_id"), "fee_usage", ["ward_id"])
    with op.batch_alter_table("invoice_line") as batch:
        batch.add_column(sa.Column("fee_usage_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_invoice_line_fee_usage_id_fee_usage"), "fee_usage", ["fee_usage_id"], ["id"])
        batch.create_index(op.f("ix_invoice_line_fee_usage_id"), ["fee_usage_id"])
    op.create_index("uq_invoice_line_live_fee", "invoice_line", ["fee_usage_id", "charge_kind"], unique=True,
                    postgresql_where=LIVE_FEE, sqlite_where=LIVE_FEE)


def downgrade():
    op.drop_index("uq_invoice_line_live_fee", table_name="invoice_line")
    with op.batch_alter_table("invoice_line") as batch:
        batch.drop_index(op.f("ix_invoice_line_fee_usage_id"))
        batch.drop_constraint(op.f("fk_invoice_line_fee_usage_id_fee_usage"), type_="foreignkey")
        batch.drop_column("fee_usage_id")
    op.drop_index(op.f("ix_fee_usage_ward_id"), table_name="fee_usage")
    op.drop_index(op.f("ix_fee_usage_fee_contract_id"), table_name="fee_usage")
    op.drop_table("fee_usage")
    op.drop_index(op.f("ix_fee_contract_vendor_id"), table_name="fee_contract")
    op.drop_table("fee_contract")

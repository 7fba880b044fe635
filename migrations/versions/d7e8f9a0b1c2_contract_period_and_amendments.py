"""Tenders carry the ward contracts' period (契約期間); a change to a signed ward contract is
recorded as an amendment with its rationale

Revision ID: d7e8f9a0b1c2
Revises: c6d7e8f9a0b1
"""
import sqlalchemy as sa
from alembic import op

revision = 'd7e8f9a0b1c2'
down_revision = 'c6d7e8f9a0b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tender") as batch:
        batch.add_column(sa.Column("contract_starts", sa.Date(), nullable=True))
        batch.add_column(sa.Column("contract_ends", sa.Date(), nullable=True))
    op.create_table(
        "tender_contract_amendment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("tender_contract.id"), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("from_quantity", sa.Integer(), nullable=False),
        sa.Column("to_quantity", sa.Integer(), nullable=False),
        sa.Column("amount_before", sa.Numeric(18, 4), nullable=False),
        sa.Column("amount_after", sa.Numeric(18, 4), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("amended_at", sa.DateTime(), nullable=False),
        sa.Column("amended_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
    )
    op.create_index("ix_tender_contract_amendment_contract_id", "tender_contract_amendment", ["contract_id"])


def downgrade():
    op.drop_index("ix_tender_contract_amendment_contract_id", "tender_contract_amendment")
    op.drop_table("tender_contract_amendment")
    with op.batch_alter_table("tender") as batch:
        batch.drop_column("contract_ends")
        batch.drop_column("contract_starts")

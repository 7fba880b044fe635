"""Opening a tender takes two office users: the officer who asks (開札者) and a witness (開札立会人).

Revision ID: 9b7c2d4e6f13
Revises: 6f1e3b9a0c52
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from procure.dbtypes import UTCDateTime

revision = '9b7c2d4e6f13'
down_revision = '6f1e3b9a0c52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tender") as batch:
        batch.add_column(sa.Column("opening_requested_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("opening_requested_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("opening_witness_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_tender_opening_requested_by_id_user_account", "user_account",
                                 ["opening_requested_by_id"], ["id"])
        batch.create_foreign_key("fk_tender_opening_witness_id_user_account", "user_account",
                                 ["opening_witness_id"], ["id"])


def downgrade():
    with op.batch_alter_table("tender") as batch:
        batch.drop_constraint("fk_tender_opening_witness_id_user_account", type_="foreignkey")
        batch.drop_constraint("fk_tender_opening_requested_by_id_user_account", type_="foreignkey")
        batch.drop_column("opening_witness_id")
        batch.drop_column("opening_requested_at")
        batch.drop_column("opening_requested_by_id")

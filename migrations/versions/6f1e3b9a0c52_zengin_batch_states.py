"""Zengin transfer files have states: created (作成済), sent (送信済), completed (振込完了).
Files whose payments were all recorded as paid are completed.

Revision ID: 6f1e3b9a0c52
Revises: 2a9d5e7c3b84
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from procure.dbtypes import UTCDateTime

revision = '6f1e3b9a0c52'
down_revision = '2a9d5e7c3b84'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("zengin_batch") as batch:
        batch.add_column(sa.Column("status", sa.String(length=10), nullable=False, server_default="created"))
        batch.add_column(sa.Column("sent_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("completed_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE zengin_batch SET status = 'completed' WHERE NOT EXISTS (SELECT 1 FROM payment "
               "WHERE payment.zengin_batch_id = zengin_batch.id AND payment.status <> 'succeeded') "
               "AND EXISTS (SELECT 1 FROM payment WHERE payment.zengin_batch_id = zengin_batch.id)")


def downgrade():
    with op.batch_alter_table("zengin_batch") as batch:
        batch.drop_column("completed_at")
        batch.drop_column("sent_at")
        batch.drop_column("status")

"""Durable jobs: what to run, attempts, time limit and the worker's lease on the job row

Revision ID: f3a4b5c6d7e8
Revises: e2f3a4b5c6d7
"""
import sqlalchemy as sa
from alembic import op

revision = 'f3a4b5c6d7e8'
down_revision = 'e2f3a4b5c6d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("target", sa.String(200), nullable=True))
        batch.add_column(sa.Column("arguments", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="2"))
        batch.add_column(sa.Column("timeout_seconds", sa.Integer(), nullable=False, server_default="3600"))
        batch.add_column(sa.Column("lease_token", sa.String(40), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(120), nullable=True))
        batch.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_job_lease_until", ["lease_until"])
        batch.create_index("ix_job_status", ["status"])
    # Jobs of the thread pool that were running or waiting when this runs had their process
    # (and their arguments) with them: they can only be failed, with the reason.
    op.execute("UPDATE job SET status = 'failed', error = '中断されました（更新のためサーバーを停止しました）。"
               "もう一度実行してください' WHERE status IN ('queued', 'running')")


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.drop_index("ix_job_status")
        batch.drop_index("ix_job_lease_until")
        for column in ("started_at", "worker", "lease_until", "lease_token", "timeout_seconds", "max_attempts",
                       "attempts", "arguments", "target"):
            batch.drop_column(column)

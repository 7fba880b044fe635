"""Browser sessions recorded on the server, so that sign-out and a password change end them.

Revision ID: 2a9d5e7c3b84
Revises: 8c6f0a2e4b19
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from procure.dbtypes import UTCDateTime

revision = '2a9d5e7c3b84'
down_revision = '8c6f0a2e4b19'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")

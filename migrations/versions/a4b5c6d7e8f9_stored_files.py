"""Stored files: uploads every server and worker can read, with their retention

Revision ID: a4b5c6d7e8f9
Revises: f3a4b5c6d7e8
"""
import sqlalchemy as sa
from alembic import op

revision = 'a4b5c6d7e8f9'
down_revision = 'f3a4b5c6d7e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("keep_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stored_file_kind", "stored_file", ["kind"])
    op.create_index("ix_stored_file_owner_id", "stored_file", ["owner_id"])
    op.create_index("ix_stored_file_keep_until", "stored_file", ["keep_until"])


def downgrade():
    op.drop_table("stored_file")

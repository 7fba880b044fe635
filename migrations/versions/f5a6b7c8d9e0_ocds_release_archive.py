"""OCDS releases kept as first published: a change after publication becomes a new release

Revision ID: f5a6b7c8d9e0
Revises: e4f5a6b7c8d9
"""
import sqlalchemy as sa
from alembic import op

from procure.dbtypes import UTCDateTime

revision = 'f5a6b7c8d9e0'
down_revision = 'e4f5a6b7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ocds_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.String(length=200), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["tender_id"], ["tender.id"], name=op.f("fk_ocds_release_tender_id_tender")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocds_release")),
        sa.UniqueConstraint("release_id", name=op.f("uq_ocds_release_release_id")),
    )
    op.create_index(op.f("ix_ocds_release_tender_id"), "ocds_release", ["tender_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_ocds_release_tender_id"), table_name="ocds_release")
    op.drop_table("ocds_release")

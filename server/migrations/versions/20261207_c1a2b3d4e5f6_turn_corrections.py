"""corrections of transcript turns: each earlier text kept (transcript_turn_revision), a count on the turn

Revision ID: c1a2b3d4e5f6
Revises: b0819203a425
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db

revision: str = "c1a2b3d4e5f6"
down_revision: str | None = "b0819203a425"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (no batch): rebuilding transcript_turn on SQLite would drop the table its revisions refer to
    op.add_column("transcript_turn", sa.Column("edits", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "transcript_turn_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("speaker", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("edited_by", sa.Integer(), nullable=True),
        sa.Column("edited_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["edited_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["turn_id"], ["transcript_turn.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_transcript_turn_revision_turn_id"), "transcript_turn_revision", ["turn_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_transcript_turn_revision_turn_id"), table_name="transcript_turn_revision")
    op.drop_table("transcript_turn_revision")
    op.drop_column("transcript_turn", "edits")

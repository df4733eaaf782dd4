"""recordings: uploaded audio of a meeting and its transcription; who a transcript turn's speaker is

Revision ID: b0819203a425
Revises: b08192a3b4c5
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db

revision: str = "b0819203a425"
down_revision: str | None = "b08192a3b4c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("audio_path", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("recorded_at", server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("transcript_id", sa.Integer(), nullable=True),
        sa.Column("progress_ms", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", server.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["transcript_id"], ["transcript.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recording_status"), ["status"], unique=False)
    with op.batch_alter_table("transcript_turn", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speaker_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_transcript_turn_speaker_user_id", "user", ["speaker_user_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("transcript_turn", schema=None) as batch_op:
        batch_op.drop_constraint("fk_transcript_turn_speaker_user_id", type_="foreignkey")
        batch_op.drop_column("speaker_user_id")
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_status"))
        batch_op.drop_index(batch_op.f("ix_recording_meeting_id"))
    op.drop_table("recording")

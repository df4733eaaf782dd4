"""attendance (delegated-to, quorum rule) and polls with ballots

Revision ID: 5f1e2d3c4b6a
Revises: aece69821315
Create Date: 2026-12-02 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db

revision: str = "5f1e2d3c4b6a"
down_revision: str | None = "aece69821315"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quorum_ratio", sa.Float(), nullable=False, server_default="0.5"))
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delegated_to_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_participant_delegated_to_user_id", "user", ["delegated_to_user_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("allow_change", sa.Boolean(), nullable=False),
        sa.Column("majority_of", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ballot_serial", sa.Integer(), nullable=False),
        sa.Column("tallied_serial", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("result_base", sa.Integer(), nullable=True),
        sa.Column("winner_option_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "poll_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("poll_option", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_option_poll_id"), ["poll_id"], unique=False)

    # who voted in a secret poll: no id, no time, and (SQLite) no rowid that would keep the order of the ballots
    op.create_table(
        "poll_voter",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", "user_id"),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "poll_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("cast_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["option_id"], ["poll_option.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "user_id"),
    )
    with op.batch_alter_table("poll_ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_ballot_poll_id"), ["poll_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("poll_ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_ballot_poll_id"))
    op.drop_table("poll_ballot")
    op.drop_table("poll_voter")
    with op.batch_alter_table("poll_option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_option_poll_id"))
    op.drop_table("poll_option")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_meeting_id"))
    op.drop_table("poll")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_constraint("fk_participant_delegated_to_user_id", type_="foreignkey")
        batch_op.drop_column("delegated_to_user_id")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("quorum_ratio")

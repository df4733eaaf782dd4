"""Poll (biểu quyết), its options, and who voted how.

Open (named) polls keep one ``PollBallot`` row per voter with the option they
chose. Secret polls keep no row that links a voter to a choice: ``PollVoter``
says only *that* someone voted (no timestamp, no row id: in SQLite it is a
``WITHOUT ROWID`` table stored in (poll_id, user_id) order, not in the order
the ballots came in), and the choice only increments ``PollOption.votes``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class PollKind(StrEnum):
    yes_no_abstain = "yes_no_abstain"  # tán thành / không tán thành / không biểu quyết
    custom = "custom"


class PollStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class MajorityOf(StrEnum):
    """What a passing option needs more than half of."""

    present = "present"  # the voting members present when the poll closes
    all = "all"  # every voting member of the meeting


class Poll(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    # the document it is about; a plain id kept for the record even if the document is deleted
    document_id: int | None = None
    title: str = Field(max_length=500)
    description: str = Field(default="", max_length=5000)
    kind: PollKind = Field(default=PollKind.yes_no_abstain, sa_type=String(16))
    secret: bool = False
    allow_change: bool = False
    majority_of: MajorityOf = Field(default=MajorityOf.all, sa_type=String(16))
    status: PollStatus = Field(default=PollStatus.draft, sa_type=String(16))
    # bumped by every accepted ballot (under the poll row's lock); the tally publishes up to it
    ballot_serial: int = 0
    tallied_serial: int = 0
    # the result, fixed when the poll closes
    passed: bool | None = None
    result_base: int | None = None
    winner_option_id: int | None = None
    opened_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    version: int = 1


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_option"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True, ondelete="CASCADE")
    position: int = 0
    # yes / no / abstain for the standard kind; None for custom options
    key: str | None = Field(default=None, max_length=16)
    label: str = Field(max_length=300)
    # secret polls only: the count (open polls count their ballots)
    votes: int = 0


class PollBallot(SQLModel, table=True):
    """A named ballot of an open poll: one per voter (the constraint is what makes it so under races)."""

    __tablename__ = "poll_ballot"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    option_id: int = Field(foreign_key="poll_option.id", ondelete="CASCADE")
    # the poll's ballot_serial when this ballot was cast or last changed (what the next tally sends)
    serial: int = 0
    cast_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PollVoter(SQLModel, table=True):
    """Who voted in a secret poll, and nothing else: no time, no order, no choice."""

    __tablename__ = "poll_voter"
    __table_args__ = ({"sqlite_with_rowid": False},)

    poll_id: int = Field(foreign_key="poll.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")

"""What goes in and out of the polls API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from server.votes.models import MajorityOf, PollKind, PollStatus

MAX_OPTIONS = 20


def _check_options(kind: PollKind | None, options: list[str] | None, secret: bool | None, allow: bool | None) -> None:
    if secret and allow:
        raise ValueError(
            "a secret poll cannot allow changing a ballot: it keeps no link from a voter to a choice to change"
        )
    if kind == PollKind.custom and options is not None:
        labels = [label.strip() for label in options]
        if len(labels) < 2:
            raise ValueError("a custom poll needs at least two options")
        if any(not label for label in labels):
            raise ValueError("an option cannot be empty")
        if len({label.casefold() for label in labels}) != len(labels):
            raise ValueError("two options have the same label")
    if kind == PollKind.yes_no_abstain and options:
        raise ValueError("a yes/no/abstain poll has its standard options; use kind 'custom' for your own")


class PollCreate(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=5000)
    kind: PollKind = PollKind.yes_no_abstain
    options: list[str] | None = Field(
        default=None,
        max_length=MAX_OPTIONS,
        description="Labels of a custom poll's options, in order (2 to 20); none for yes/no/abstain",
    )
    secret: bool = Field(
        default=False, description="Secret ballot: nobody, not even the database, knows who chose what"
    )
    allow_change: bool = Field(default=False, description="Voters may change their ballot until the poll closes")
    majority_of: MajorityOf | None = Field(
        default=None, description="More than half of 'all' voting members or of those 'present'; default: a setting"
    )
    agenda_item_id: int | None = None
    document_id: int | None = None

    @model_validator(mode="after")
    def consistent(self) -> PollCreate:
        if self.kind == PollKind.custom and self.options is None:
            raise ValueError("a custom poll needs its options")
        _check_options(self.kind, self.options, self.secret, self.allow_change)
        return self


class PollUpdate(BaseModel):
    """Edit a draft poll (an open or closed poll is part of the record)."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    kind: PollKind | None = None
    options: list[str] | None = Field(default=None, max_length=MAX_OPTIONS)
    secret: bool | None = None
    allow_change: bool | None = None
    majority_of: MajorityOf | None = None
    agenda_item_id: int | None = None
    document_id: int | None = None
    version: int | None = Field(default=None, description="Refuse the change (409) unless this is current")


class BallotCreate(BaseModel):
    option_id: int


class BallotReceipt(BaseModel):
    poll_id: int
    voted: bool = True
    option_id: int | None = Field(description="Your choice (open polls); None for a secret poll")
    changed: bool = False


class OptionPublic(BaseModel):
    id: int
    position: int
    key: str | None
    label: str
    votes: int | None = Field(description="Votes so far; None while a secret poll is open (only `voters` is shown)")


class BallotPublic(BaseModel):
    user_id: int
    option_id: int


class PollResult(BaseModel):
    passed: bool
    base: int = Field(description="The members a majority is taken of (present or all voting members)")
    needed: int = Field(description="Votes a passing option needs: more than half of base")
    winner_option_id: int | None


class PollPublic(BaseModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    document_id: int | None
    title: str
    description: str
    kind: PollKind
    secret: bool
    allow_change: bool
    majority_of: MajorityOf
    status: PollStatus
    options: list[OptionPublic]
    voters: int
    ballots: list[BallotPublic] = Field(description="Named ballots of an open poll, by user id; empty if secret")
    result: PollResult | None
    opened_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    version: int
    my_option_id: int | None = Field(default=None, description="Your ballot (open polls)")
    voted: bool = Field(default=False, description="You have voted")


# what an event carries: the same for every receiver
PER_USER_FIELDS = {"my_option_id", "voted"}

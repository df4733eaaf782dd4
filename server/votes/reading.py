"""Polls as a user sees them: options with counts, named ballots of open polls, the result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.votes.models import Poll, PollBallot, PollOption, PollStatus, PollVoter
from server.votes.schemas import PER_USER_FIELDS, BallotPublic, OptionPublic, PollPublic, PollResult


def needed_for(base: int) -> int:
    """More than half."""
    return base // 2 + 1


async def _options(session: AsyncSession, poll_ids: list[int]) -> dict[int, list[PollOption]]:
    rows = (
        await session.exec(
            select(PollOption).where(col(PollOption.poll_id).in_(poll_ids)).order_by(col(PollOption.position))
        )
    ).all()
    by_poll: dict[int, list[PollOption]] = defaultdict(list)
    for option in rows:
        by_poll[option.poll_id].append(option)
    return by_poll


async def _ballots(session: AsyncSession, poll_ids: list[int]) -> dict[int, list[BallotPublic]]:
    rows = (
        await session.exec(
            select(PollBallot.poll_id, PollBallot.user_id, PollBallot.option_id)
            .where(col(PollBallot.poll_id).in_(poll_ids))
            .order_by(col(PollBallot.user_id))
        )
    ).all()
    by_poll: dict[int, list[BallotPublic]] = defaultdict(list)
    for poll_id, user_id, option_id in rows:
        by_poll[poll_id].append(BallotPublic(user_id=user_id, option_id=option_id))
    return by_poll


async def _secret_voters(session: AsyncSession, poll_ids: list[int]) -> dict[int, int]:
    rows = (
        await session.exec(
            select(PollVoter.poll_id, func.count())
            .where(col(PollVoter.poll_id).in_(poll_ids))
            .group_by(col(PollVoter.poll_id))
        )
    ).all()
    return dict(rows)


_SERIALS = select(Poll.id, Poll.ballot_serial).where(col(Poll.meeting_id) == bindparam("meeting_id"))
"""poll_serials' query, built once (every tablet's snapshot runs it)."""


async def poll_serials(session: AsyncSession, meeting_id: int) -> dict[int, int]:
    """Each poll of the meeting and its ``ballot_serial``: a ballot moves it at once, the seq only at the next
    tally, so what was read of the polls at one seq still holds only while these are the same."""
    rows = await session.exec(_SERIALS, params={"meeting_id": meeting_id})
    return {poll_id: serial for poll_id, serial in rows.all() if poll_id is not None}


async def secret_polls_voted(session: AsyncSession, poll_ids: list[int], user_id: int) -> set[int]:
    """Which of the secret polls ``poll_ids`` ``user_id`` voted in (who voted is kept; what they chose is not)."""
    if not poll_ids:
        return set()
    rows = await session.exec(
        select(PollVoter.poll_id).where(col(PollVoter.poll_id).in_(poll_ids), PollVoter.user_id == user_id)
    )
    return set(rows.all())


def own_ballot(
    secret: bool, poll_id: int, ballots: Iterable[tuple[int, int]], user_id: int | None, secret_voted: set[int]
) -> tuple[int | None, bool]:
    """``user_id``'s own fields of a poll, ``(my_option_id, voted)``: an open poll's from its named ballots
    ``(user_id, option_id)``, a secret one's only whether they are among ``secret_voted``."""
    if secret:
        return None, poll_id in secret_voted
    mine = next((option for voter, option in ballots if voter == user_id), None) if user_id is not None else None
    return mine, mine is not None


def as_seen_by(poll: dict[str, Any], user_id: int, secret_voted: set[int]) -> dict[str, Any]:
    """A poll read for nobody in particular (``for_event``'s fields and the defaults of the viewer's own),
    with ``user_id``'s own ballot fields filled in (``own_ballot``)."""
    named = ((ballot["user_id"], ballot["option_id"]) for ballot in poll["ballots"])
    my_option_id, voted = own_ballot(poll["secret"], poll["id"], named, user_id, secret_voted)
    return {**poll, "my_option_id": my_option_id, "voted": voted}


async def counts_of(session: AsyncSession, poll: Poll) -> tuple[dict[int, int], int]:
    """Votes per option id and how many voted, as the database has them now."""
    assert poll.id is not None
    options = (await _options(session, [poll.id]))[poll.id]
    if poll.secret:
        voters = (await _secret_voters(session, [poll.id])).get(poll.id, 0)
        return {option.id or 0: option.votes for option in options}, voters
    rows = (
        await session.exec(
            select(PollBallot.option_id, func.count())
            .where(PollBallot.poll_id == poll.id)
            .group_by(col(PollBallot.option_id))
        )
    ).all()
    per_option = dict(rows)
    counts = {option.id or 0: int(per_option.get(option.id or 0, 0)) for option in options}
    return counts, sum(counts.values())


def result_of(poll: Poll) -> PollResult | None:
    if poll.status != PollStatus.closed or poll.passed is None or poll.result_base is None:
        return None
    return PollResult(
        passed=poll.passed,
        base=poll.result_base,
        needed=needed_for(poll.result_base),
        winner_option_id=poll.winner_option_id,
    )


async def polls_public(session: AsyncSession, polls: list[Poll], user_id: int | None = None) -> list[PollPublic]:
    """Each poll with its counts; ``user_id``'s own ballot fields filled in when given."""
    ids = [poll.id for poll in polls if poll.id is not None]
    if not ids:
        return []
    options = await _options(session, ids)
    open_ids = [poll.id for poll in polls if poll.id is not None and not poll.secret]
    secret_ids = [poll.id for poll in polls if poll.id is not None and poll.secret]
    ballots = await _ballots(session, open_ids) if open_ids else {}
    secret_voters = await _secret_voters(session, secret_ids) if secret_ids else {}
    mine_secret = await secret_polls_voted(session, secret_ids, user_id) if user_id is not None else set()
    result = []
    for poll in polls:
        assert poll.id is not None
        named = ballots.get(poll.id, [])
        votes: dict[int | None, int | None]
        if poll.secret:
            # while it is open nobody sees how the options stand: watching the counts move ballot by ballot
            # would tell each voter's choice to whoever saw who pressed the button
            sealed = poll.status == PollStatus.open
            votes = {option.id: None if sealed else option.votes for option in options[poll.id]}
            voters = secret_voters.get(poll.id, 0)
        else:
            votes = {}
            for ballot in named:
                votes[ballot.option_id] = (votes.get(ballot.option_id) or 0) + 1
            voters = len(named)
        mine, voted = own_ballot(poll.secret, poll.id, ((b.user_id, b.option_id) for b in named), user_id, mine_secret)
        result.append(
            PollPublic(
                id=poll.id,
                meeting_id=poll.meeting_id,
                agenda_item_id=poll.agenda_item_id,
                document_id=poll.document_id,
                title=poll.title,
                description=poll.description,
                kind=poll.kind,
                secret=poll.secret,
                allow_change=poll.allow_change,
                majority_of=poll.majority_of,
                status=poll.status,
                options=[
                    OptionPublic(
                        id=option.id or 0,
                        position=option.position,
                        key=option.key,
                        label=option.label,
                        votes=votes.get(option.id, 0),
                    )
                    for option in options[poll.id]
                ],
                voters=voters,
                ballots=named,
                result=result_of(poll),
                opened_at=poll.opened_at,
                closed_at=poll.closed_at,
                created_at=poll.created_at,
                version=poll.version,
                my_option_id=mine,
                voted=voted,
            )
        )
    return result


async def poll_public(session: AsyncSession, poll: Poll, user_id: int | None = None) -> PollPublic:
    return (await polls_public(session, [poll], user_id))[0]


async def meeting_polls(session: AsyncSession, meeting_id: int, user_id: int | None) -> list[PollPublic]:
    polls = (await session.exec(select(Poll).where(Poll.meeting_id == meeting_id).order_by(col(Poll.id)))).all()
    return await polls_public(session, list(polls), user_id)


def for_event(poll: PollPublic) -> dict[str, Any]:
    """The poll as every receiver gets it (their own ballot fields are theirs to keep)."""
    return poll.model_dump(mode="json", exclude=PER_USER_FIELDS)

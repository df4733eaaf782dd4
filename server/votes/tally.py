"""Live counts: one ``poll.voted`` per poll every ``poll_tally_seconds`` at most, for all the ballots since.

A secret poll's ``poll.voted`` says only how many have voted; its counts first appear in ``poll.closed``.

A ballot commits without an event of its own: 500 ballots in a second as 500
events would be 250,000 messages to 500 tablets. Instead the commit marks the
poll, and this task writes one ``poll.voted`` (counts read from the database
in that transaction, plus an open poll's ballots whose serial is above the
last tally) for everything that came in meanwhile.

Nothing acknowledged is lost to a crash between a ballot's commit and its
tally: ``poll.ballot_serial`` (bumped by every ballot) and ``tallied_serial``
(set by each tally, and by the close) differ, and every pass of this task,
and its start, tallies every open poll where they differ. So a ballot taken
by another process that died is tallied too.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import col, select

from server.db import Database
from server.events import PollVoted
from server.live.outbox import Publisher, record_event
from server.tasks import cancel
from server.votes.models import Poll, PollBallot, PollStatus
from server.votes.reading import counts_of

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 5.0


class PollTally:
    def __init__(self, db: Database, publish: Publisher, interval: float) -> None:
        self.db = db
        self.publish = publish
        self.interval = interval
        self.dirty: set[int] = set()
        # ballots and tallies of this process take turns before they touch SQLite: writers queueing on
        # SQLite's busy handler sleep in growing steps, which made 500 concurrent ballots take 14 s
        self.write_lock = asyncio.Lock()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def schedule(self, meeting_id: int, poll_id: int) -> None:
        """A ballot of ``poll_id`` committed (called after the commit, on the event loop)."""
        self.dirty.add(poll_id)
        if self._wake is not None:
            self._wake.set()

    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancel(self._task)
        try:
            await self.flush()
        except Exception:  # the counts are in the database; the next start's reconciliation sends them
            log.exception("last tally before shutdown failed")

    async def _run(self) -> None:
        assert self._wake is not None
        await self._reconcile()
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), RECONCILE_SECONDS)
            except TimeoutError:
                await self._reconcile()
                continue
            # gather what comes in during the interval into one event
            await asyncio.sleep(self.interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("poll tally failed; will retry")
                await asyncio.sleep(self.interval)

    async def _reconcile(self) -> None:
        try:
            async with self.db.read() as session:
                behind = (
                    await session.exec(
                        select(Poll.id).where(
                            Poll.status == PollStatus.open, col(Poll.ballot_serial) != col(Poll.tallied_serial)
                        )
                    )
                ).all()
            self.dirty.update(poll_id for poll_id in behind if poll_id is not None)
            await self.flush()
        except Exception:
            log.exception("poll tally reconcile failed")

    async def flush(self) -> None:
        polls, self.dirty = self.dirty, set()
        try:
            for poll_id in sorted(polls):
                await self.tally(poll_id)
                polls.discard(poll_id)
        finally:
            self.dirty |= polls  # what failed is retried

    async def tally(self, poll_id: int) -> None:
        """Write and publish one ``poll.voted`` for what ``poll_id`` received since its last one."""
        async with self.write_lock, self.db.write() as session:
            poll = (await session.exec(select(Poll).where(Poll.id == poll_id).with_for_update())).first()
            if poll is None or poll.status != PollStatus.open or poll.ballot_serial == poll.tallied_serial:
                return
            counts, voters = await counts_of(session, poll)
            ballots: list[dict[str, int]] = []
            if poll.secret:
                # how many voted, never how the options stand: the log keeps every tally with its seq, and in a
                # small meeting the count that moved between two tallies names the one who voted between them
                counts = {}
            else:
                rows = (
                    await session.exec(
                        select(PollBallot.user_id, PollBallot.option_id)
                        .where(PollBallot.poll_id == poll_id, col(PollBallot.serial) > poll.tallied_serial)
                        .order_by(col(PollBallot.user_id))
                    )
                ).all()
                ballots = [{"user_id": user_id, "option_id": option_id} for user_id, option_id in rows]
            event = PollVoted(
                poll_id=poll_id,
                counts={str(option_id): votes for option_id, votes in counts.items()},
                voters=voters,
                ballots=ballots,
            )
            # no actor: for a secret poll nobody may be named next to a count
            await record_event(session, self.publish, poll.meeting_id, event, None)
            poll.tallied_serial = poll.ballot_serial
            session.add(poll)
            await session.commit()

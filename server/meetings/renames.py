"""A user's name changed: every meeting hears of every row of theirs that shows it.

Names are read at snapshot time, so a tablet that connects later sees the new
one; this brings the tablets already connected level without a new snapshot,
and moves each meeting's seq on, so a snapshot part cached at the old seq is
never served with the old name (server/live/snapshot.py). Closed meetings too:
their snapshots show names as they are now (their minutes keep the names as
they were, in the minutes' own text).
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from server.auth.models import User
from server.conclusions.models import Task
from server.conclusions.tasks import EVENT_EXCLUDE, task_public
from server.events import ParticipantChanged, TaskUpdated
from server.live.context import ChangeContext
from server.meetings.models import Participant
from server.meetings.service import participant_public


async def announce_rename(ctx: ChangeContext, user_id: int) -> None:
    """Emit, in this transaction, the changed participant rows (theirs, and those delegated to them) and tasks,
    in every meeting, closed or not."""
    delegate = aliased(User)
    participants = await ctx.session.exec(
        select(Participant, User, delegate)
        .join(User, col(User.id) == Participant.user_id)
        .outerjoin(delegate, col(delegate.id) == Participant.delegated_to_user_id)
        .where(or_(col(Participant.user_id) == user_id, col(Participant.delegated_to_user_id) == user_id))
        .order_by(col(Participant.meeting_id), col(Participant.id))
    )
    for participant, user, delegated_to in participants.all():
        public = participant_public(participant, user, delegated_to)
        await ctx.emit(
            participant.meeting_id, ParticipantChanged(action="updated", participant=public.model_dump(mode="json"))
        )
    tasks = await ctx.session.exec(
        select(Task, User)
        .join(User, col(User.id) == Task.assignee_id)
        .where(col(Task.assignee_id) == user_id)
        .order_by(col(Task.id))
    )
    for task, assignee in tasks.all():
        assert task.id is not None
        public_task = task_public(task, assignee).model_dump(mode="json", exclude=EVENT_EXCLUDE)
        await ctx.emit(task.meeting_id, TaskUpdated(task=public_task))
        ctx.reindex_after_commit("task", task.id)  # its passage names the assignee

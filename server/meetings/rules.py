"""Rules every change to a meeting or its agenda checks first."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from server.errors import Conflict
from server.meetings.models import Meeting, MeetingStatus


async def check_version(session: AsyncSession, row: Any, expected: int | None) -> None:
    """Refuse the edit (409) unless ``row`` is still at the ``expected`` version the client last saw.

    The row is read again under a lock first (``FOR UPDATE``: PostgreSQL waits for a concurrent edit of it to
    commit and then sees that edit), so two edits from the same version, through one process or two, cannot
    both pass; the lock lasts until the commit. SQLite writers already take turns (``BEGIN IMMEDIATE``) and
    the lock is not rendered there. No version sent: the edit is taken as it comes.
    """
    if expected is None:
        return
    await session.refresh(row, with_for_update=True)
    check_version_number(row.version, expected)


def check_version_number(current: int, expected: int | None) -> None:
    """``check_version`` for a row that does not exist yet (its version counts as 0)."""
    if expected is not None and expected != current:
        raise Conflict(
            f"Someone else changed this first (version {current}, you sent {expected}); reload and retry",
            f"Người khác vừa thay đổi nội dung này (phiên bản {current}, bạn gửi {expected}); hãy tải lại",
        )


def require_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.closed:
        raise Conflict("The meeting is closed", "Cuộc họp đã kết thúc")

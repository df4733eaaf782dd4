"""Rules every change to a meeting or its agenda checks first."""

from __future__ import annotations

from server.errors import Conflict
from server.meetings.models import Meeting, MeetingStatus


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise Conflict(
            f"Someone else changed this first (version {current}, you sent {expected}); reload and retry",
            f"Người khác vừa thay đổi nội dung này (phiên bản {current}, bạn gửi {expected}); hãy tải lại",
        )


def require_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.closed:
        raise Conflict("The meeting is closed", "Cuộc họp đã kết thúc")

"""A room's memory of recent events answers resumes only when it is sure to hold every event asked for."""

from __future__ import annotations

from server.live.hub import RECENT_EVENTS, Room
from server.live.wire import encode_published


def _message(seq: int, audience: list[int] | None = None) -> bytes:
    return encode_published(seq, "agenda.current", {"item_id": seq}, audience)


async def test_replay_from_memory_or_from_the_log() -> None:
    room = Room(1)
    assert room.replay(0, 100) is None  # nothing kept yet: the log answers
    for seq in (5, 6, 7, 9, 8):  # two publishers: 9 arrives before 8
        room.keep(_message(seq, [42] if seq == 6 else None))
    replay = room.replay(5, 100)
    assert replay is not None and [event.seq for event in replay] == [6, 7, 8, 9]
    assert not replay[0].visible_to(7) and replay[0].visible_to(42) and replay[1].visible_to(7)
    assert room.replay(9, 100) == []  # up to date
    replay = room.replay(4, 100)
    assert replay is not None and [event.seq for event in replay] == [5, 6, 7, 8, 9]
    assert room.replay(3, 100) is None  # 4 was never kept: the log answers
    assert room.replay(10, 100) is None  # ahead of everything: the log decides (a snapshot)
    assert room.replay(5, 3) is None  # more than the limit: a snapshot
    assert room.replay(-1, 100) is None


async def test_a_missing_seq_sends_the_resume_to_the_log() -> None:
    room = Room(1)
    for seq in (1, 2, 4):
        room.keep(_message(seq))
    assert room.replay(1, 100) is None  # 3 is on its way, or lost with a killed process
    room.keep(_message(3))
    replay = room.replay(1, 100)
    assert replay is not None and [event.seq for event in replay] == [2, 3, 4]


async def test_only_the_newest_events_are_kept() -> None:
    room = Room(1)
    for seq in range(1, RECENT_EVENTS + 51):
        room.keep(_message(seq))
    assert len(room.recent) == RECENT_EVENTS and min(room.recent) == 51
    assert room.replay(49, 10_000) is None
    replay = room.replay(50, 10_000)
    assert replay is not None and len(replay) == RECENT_EVENTS

"""Reading a SQLite database the way someone holding its files would: every state its write-ahead log still
holds (a "time-travel" read), not just the current one."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

WAL_HEADER = 32
FRAME_HEADER = 24


def wal_states(db_path: Path) -> Iterator[bytes]:
    """The database file as it stood at each commit frame of its ``-wal`` file, oldest first.

    Frames are applied in file order whatever their salts, so frames an earlier checkpoint left behind
    (a log that was reset but not truncated) are read too, as a forensic reader would.
    """
    wal_path = db_path.with_name(db_path.name + "-wal")
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    if len(wal) < WAL_HEADER:
        return
    page_size = int.from_bytes(wal[8:12], "big")
    image = bytearray(db_path.read_bytes())
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal):
        page_number = int.from_bytes(wal[offset : offset + 4], "big")
        pages_after_commit = int.from_bytes(wal[offset + 4 : offset + 8], "big")
        page = wal[offset + FRAME_HEADER : offset + FRAME_HEADER + page_size]
        start = (page_number - 1) * page_size
        if len(image) < start + page_size:
            image.extend(bytes(start + page_size - len(image)))
        image[start : start + page_size] = page
        if pages_after_commit:
            state = bytearray(image[: pages_after_commit * page_size])
            state[18:20] = b"\x01\x01"  # a plain rollback-journal file: opened alone, with no log beside it
            yield bytes(state)
        offset += FRAME_HEADER + page_size


def query_image(image: bytes, sql: str, *params: object) -> list[tuple[object, ...]] | None:
    """Run ``sql`` on a database image (None if the image cannot be read as one)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "state.db"
        path.write_bytes(image)
        try:
            with sqlite3.connect(path) as conn:
                return list(conn.execute(sql, params).fetchall())
        except sqlite3.DatabaseError:
            return None


def voter_choice_links(db_path: Path, poll_id: int) -> dict[int, int]:
    """Voter -> option that the log's successive states give away: between two states, exactly one new voter
    and exactly one option whose count rose by one."""
    links: dict[int, int] = {}
    previous: tuple[set[int], dict[int, int]] = (set(), {})
    for image in wal_states(db_path):
        voters = query_image(image, "SELECT user_id FROM poll_voter WHERE poll_id = ?", poll_id)
        counts = query_image(image, "SELECT id, votes FROM poll_option WHERE poll_id = ?", poll_id)
        if voters is None or counts is None:
            continue
        state = ({int(str(row[0])) for row in voters}, {int(str(row[0])): int(str(row[1])) for row in counts})
        new_voters = state[0] - previous[0]
        moved = {option: votes - previous[1].get(option, 0) for option, votes in state[1].items()}
        risen = [option for option, change in moved.items() if change]
        if len(new_voters) == 1 and len(risen) == 1 and moved[risen[0]] == 1:
            links[next(iter(new_voters))] = risen[0]
        previous = state
    return links

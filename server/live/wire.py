"""The bytes that travel on the channels and the websocket.

A published message is ``b"<seq> <audience>\\n<wire json>"`` where audience is
``*`` or comma-separated user ids. The header lets each socket decide, without
decoding JSON, whether to forward the prebuilt wire text to its tablet: one
encoding per event, not one per tablet, and the audience never reaches a client.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import msgspec

_encode = msgspec.json.encode


@dataclass(frozen=True, slots=True)
class Published:
    seq: int
    audience: frozenset[int] | None
    text: str

    def visible_to(self, user_id: int) -> bool:
        return self.audience is None or user_id in self.audience


def channel_name(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def event_message(seq: int, name: str, data: dict[str, Any]) -> bytes:
    return _encode({"type": "event", "seq": seq, "name": name, "data": data})


def encode_published(seq: int, name: str, data: dict[str, Any], audience: list[int] | None) -> bytes:
    who = "*" if audience is None else ",".join(str(user_id) for user_id in audience)
    return f"{seq} {who}\n".encode() + event_message(seq, name, data)


def logged_event(seq: int, name: str, data: dict[str, Any], audience: list[int] | None) -> Published:
    """An event read back from the log, as ``decode_published`` gives a published one."""
    who = None if audience is None else frozenset(audience)
    return Published(seq=seq, audience=who, text=event_message(seq, name, data).decode())


@functools.lru_cache(maxsize=256)
def decode_published(message: bytes) -> Published:
    """Parse a published message once per process, not once per socket (every socket gets the same bytes)."""
    header, _, body = message.partition(b"\n")
    seq_text, _, who = header.decode().partition(" ")
    audience = None if who == "*" else frozenset(int(user_id) for user_id in who.split(",") if user_id)
    return Published(seq=int(seq_text), audience=audience, text=body.decode())

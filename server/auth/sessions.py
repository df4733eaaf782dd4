"""Ended sessions and changed rights, told to every process so that each closes the sockets it holds.

The principal cache (``cache.py``) makes a revoked token fail its next request; a websocket makes no more
requests, so the processes holding one are told here, after the commit, and close it (``LiveHub``): a logout
closes that token's sockets, a disabled account or a new password every socket of the user (both 4401), a
changed system role every socket of the user with 4409, after which the client reconnects and is checked again
under its new role. Across processes the message rides the control channel (``server/cluster.py``), as the
cache's own does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from server.cluster import Cluster

log = logging.getLogger(__name__)

EndingKind = Literal["token", "user", "rights"]


@dataclass(frozen=True)
class Ending:
    """``token``: the session with this token hash ended; ``user``: every session of the user id ended;
    ``rights``: the user id's system role changed (sessions live on)."""

    kind: EndingKind
    key: str


Listener = Callable[[Ending], None]


class SessionWatch:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._tell: Callable[..., None] | None = None

    def follow(self, cluster: Cluster) -> None:
        """Tell the other processes what ends here, and hear what ends there."""
        self._tell = cluster.tell
        for kind in ("token", "user", "rights"):
            cluster.on(f"session.{kind}", lambda args, kind=kind: self._heard(Ending(kind, args[0])))

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def token_ended(self, token_hash: str) -> None:
        self._announce(Ending("token", token_hash))

    def user_ended(self, user_id: int) -> None:
        self._announce(Ending("user", str(user_id)))

    def rights_changed(self, user_id: int) -> None:
        self._announce(Ending("rights", str(user_id)))

    def _announce(self, ending: Ending) -> None:
        self._heard(ending)
        if self._tell is not None:
            self._tell(f"session.{ending.kind}", ending.key)

    def _heard(self, ending: Ending) -> None:
        for listener in self._listeners:
            try:
                listener(ending)
            except Exception:
                log.exception("closing the sockets of an ended session failed")

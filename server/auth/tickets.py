"""Second-factor tickets: what a correct password earns when a code (or an enrolment) must still follow.

A ticket is no session: it opens nothing but the next step of the same login (``/api/auth/login/second-factor``
or the enrolment routes), for one user and a few minutes. It is signed with the server's secret key, so every
process of an installation accepts it and no table keeps it; it travels in JSON bodies only, never in a URL.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Literal

from server.auth.service import TokenHasher
from server.errors import Unauthorized

Purpose = Literal["totp", "enrol"]
TICKET_SECONDS = 300


class Tickets:
    def __init__(self, hasher: TokenHasher, lifetime_seconds: int = TICKET_SECONDS) -> None:
        self.hasher = hasher
        self.lifetime = lifetime_seconds

    def issue(self, user_id: int, purpose: Purpose) -> str:
        payload = f"{purpose}.{user_id}.{int(time.time()) + self.lifetime}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._signature(payload)}"

    def read(self, ticket: str, purpose: Purpose) -> int:
        """The user id the ticket was issued to; ``Unauthorized`` if it is forged, expired or for another step."""
        payload, _, signature = ticket.rpartition(".")
        parts = payload.split(".")
        if (
            len(parts) != 4
            or not hmac.compare_digest(signature, self._signature(payload))
            or parts[0] != purpose
            or not parts[1].isdigit()
            or not parts[2].isdigit()
            or int(parts[2]) < time.time()
        ):
            raise Unauthorized(
                "The login step expired; sign in again with your password",
                "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại bằng mật khẩu",
            )
        return int(parts[1])

    def _signature(self, payload: str) -> str:
        return self.hasher(f"ticket:{payload}")

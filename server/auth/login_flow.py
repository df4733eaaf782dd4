"""A login in one or two steps: the password (local or directory), then, for who has or needs one, the second
factor; a session starts only when every step is done."""

from __future__ import annotations

from dataclasses import dataclass

from server.audit import audit
from server.auth.models import AuthToken, User
from server.auth.second_factor import Enrolment, SecondFactor
from server.auth.service import AuthService, Principal
from server.auth.tickets import Purpose, Tickets
from server.errors import Unauthorized


@dataclass(frozen=True)
class SessionStarted:
    token: str
    row: AuthToken
    user: User


@dataclass(frozen=True)
class StepNeeded:
    step: Purpose
    ticket: str


class LoginFlow:
    def __init__(self, auth: AuthService, factor: SecondFactor, tickets: Tickets, require_2fa: bool) -> None:
        self.auth = auth
        self.factor = factor
        self.tickets = tickets
        self.require_2fa = require_2fa

    async def password(self, username: str, password: str, address: str) -> SessionStarted | StepNeeded:
        user = await self.auth.check_password(username, password, address)
        return await self.identified(user, factor="password")

    async def identified(self, user: User, factor: str) -> SessionStarted | StepNeeded:
        """``user`` proved who they are (``factor``: their password, or the OpenID provider's sign-in): the
        session, or the second factor's step first for who has or needs one."""
        assert user.id is not None
        step: Purpose | None = None
        if await self.factor.enrolled(user.id):
            step = "totp"
        elif await self.factor.required(user, self.require_2fa):
            step = "enrol"
        if step is not None:
            await self.auth.commit()  # a directory user seen for the first time is kept
            return StepNeeded(step, self.tickets.issue(user.id, step))
        token, row = await self.auth.open_session(user, factor=factor)
        return SessionStarted(token, row, user)

    async def code(self, ticket: str, code: str, address: str) -> SessionStarted:
        """The second step: a code from the app, or a recovery code (each accepted once)."""
        user = await self._ticket_user(ticket, "totp")
        await self.auth.check_throttle(user, user.username, address)
        guard = self.auth.guard
        kind = await self.factor.verify(user, code)
        if kind is None:  # nothing was written: the request's session ends without a commit
            await self.auth.refuse(user, user.username, address, "code")
        assert kind is not None and user.id is not None
        if kind == "recovery":
            left = await self.factor.recovery_codes_left(user.id)
            audit(self.auth.session, user.id, "auth.recovery_code_used", "user", user.id, left=left)
        if guard is not None:
            await guard.throttle.succeeded(user.username)
        token, row = await self.auth.open_session(user, factor=kind)
        return SessionStarted(token, row, user)

    async def start_enrolment(self, ticket: str | None, principal: Principal | None) -> Enrolment:
        return await self.factor.start(await self._enrolling_user(ticket, principal))

    async def confirm_enrolment(
        self, ticket: str | None, principal: Principal | None, code: str
    ) -> tuple[list[str], SessionStarted | None]:
        """The recovery codes, and with a ticket the session the login now starts."""
        user = await self._enrolling_user(ticket, principal)
        codes = await self.factor.confirm(user, code)
        if ticket is None:
            return codes, None
        token, row = await self.auth.open_session(user, factor="totp")
        return codes, SessionStarted(token, row, user)

    async def _enrolling_user(self, ticket: str | None, principal: Principal | None) -> User:
        if ticket is not None:
            return await self._ticket_user(ticket, "enrol")
        if principal is None:
            raise Unauthorized("Not logged in, or the session expired", "Chưa đăng nhập hoặc phiên đã hết hạn")
        user = await self.auth.session.get(User, principal.id)
        assert user is not None
        return user

    async def _ticket_user(self, ticket: str, purpose: Purpose) -> User:
        user = await self.auth.session.get(User, self.tickets.read(ticket, purpose))
        if user is None or not user.is_active:
            raise Unauthorized("This account is disabled", "Tài khoản đã bị khoá")
        return user

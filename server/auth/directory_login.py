"""Directory login: the password checked by the organisation's directory, the local user kept in step with it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlmodel import select

from server.auth.directory import Directory, DirectoryUnavailable
from server.auth.external_users import end_sessions, keep_in_step
from server.auth.models import SystemRole, User, UserSource
from server.errors import Unavailable

if TYPE_CHECKING:
    from server.auth.service import AuthService

log = logging.getLogger(__name__)


class DirectoryLogin:
    """One login through ``directory``, within ``auth``'s transaction, throttle and audit."""

    def __init__(self, auth: AuthService, directory: Directory) -> None:
        self.auth = auth
        self.directory = directory

    async def login(self, username: str, password: str, address: str) -> User:
        """The local user of the directory person whose password this is; refused (audited, throttled) when the
        password is wrong, the account is switched off, or it has no role here."""
        key = username.lower()  # directories compare names without case: one local account per person
        try:
            person = await self.directory.authenticate(username, password)
        except DirectoryUnavailable as exc:
            log.error("directory login of %r failed: %s", key, exc)
            raise Unavailable(
                "The organisation's directory cannot be reached; try again shortly",
                "Không kết nối được với hệ thống tài khoản của cơ quan; hãy thử lại sau",
            ) from None
        user = (await self.auth.session.exec(select(User).where(User.username == key))).first()
        if user is not None and user.source != UserSource.directory:
            person = None  # a local account's name in other case: never taken over by the directory's person
        if person is None:
            await self.auth.refuse(user, username, address, "unknown_user" if user is None else "password")
        assert person is not None
        role = self.directory.role_for(person)
        refusal = "disabled" if person.disabled or (user is not None and not user.is_active) else None
        refusal = refusal or ("no_role" if role is None else None)
        if refusal is not None:
            if user is not None and user.is_active:  # switched off in the directory: its sessions here end too
                await end_sessions(self.auth, user, "directory")
            await self.auth.refuse(user, username, address, refusal)
        assert role is not None
        if self.auth.guard is not None:
            await self.auth.guard.throttle.succeeded(username)
        return await keep_in_step(
            self.auth, user, key, person.full_name, person.unit, SystemRole(role), UserSource.directory
        )

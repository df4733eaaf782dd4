"""Directory login: the password checked by the organisation's directory, the local user kept in step with it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlmodel import col, select

from server.audit import audit
from server.auth.directory import Directory, DirectoryPerson, DirectoryUnavailable
from server.auth.models import AuthToken, SystemRole, User, UserSource
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
                await self._end_sessions(user)
            await self.auth.refuse(user, username, address, refusal)
        assert role is not None
        if self.auth.guard is not None:
            await self.auth.guard.throttle.succeeded(username)
        return await self._from_directory(user, key, person, SystemRole(role))

    async def _from_directory(self, user: User | None, key: str, person: DirectoryPerson, role: SystemRole) -> User:
        """Create the local account of a directory user, or bring its name, unit and role up to date."""
        if user is None:
            user = User(
                username=key,
                full_name=person.full_name,
                unit=person.unit,
                role=role,
                password_hash="!",
                source=UserSource.directory,
            )
            self.auth.session.add(user)
            await self.auth.session.flush()
            audit(self.auth.session, None, "user.create", "user", user.id, role=str(role), source="directory")
            return user
        changed = sorted(
            name
            for name, value in (("full_name", person.full_name), ("unit", person.unit), ("role", role))
            if getattr(user, name) != value
        )
        if changed:
            rights_change = user.role != role
            user.full_name, user.unit, user.role = person.full_name, person.unit, role
            self.auth.session.add(user)
            audit(self.auth.session, None, "user.update", "user", user.id, fields=changed, source="directory")
            assert user.id is not None
            if rights_change:
                self.auth.rights_changed(user.id)
            if "full_name" in changed and self.auth.renamed is not None:
                await self.auth.session.flush()
                await self.auth.renamed(user.id)
        return user

    async def _end_sessions(self, user: User) -> None:
        """End every session of ``user`` (committed), on every process."""
        user_id = user.id
        assert user_id is not None
        await self.auth.session.exec(delete(AuthToken).where(col(AuthToken.user_id) == user_id))
        audit(self.auth.session, None, "auth.sessions_ended", "user", user_id, reason="directory")
        if self.auth.principals is not None:
            self.auth.principals.forget_user(user_id)
        await self.auth.session.commit()
        if self.auth.principals is not None:
            self.auth.principals.forget_user(user_id)
        if self.auth.sessions is not None:
            self.auth.sessions.user_ended(user_id)

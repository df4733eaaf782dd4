"""A sign-in through the organisation's OpenID provider: the local user kept in step with what the ID token says,
within ``auth``'s transaction, throttle and audit, as a directory login is."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from sqlmodel import select

from server.auth.external_users import end_sessions, highest_role, keep_in_step
from server.auth.models import SystemRole, User, UserSource
from server.auth.oidc import Identity, SignInRefused
from server.errors import TooManyRequests, Unauthorized
from server.settings import Settings

if TYPE_CHECKING:
    from server.auth.service import AuthService


def group_key(group: str) -> str:
    """A group as settings and tokens may both spell it: Keycloak's path (``/icabinet-admins``) or its name."""
    return group.strip().lstrip("/")


class SingleSignOnLogin:
    def __init__(self, auth: AuthService, settings: Settings) -> None:
        self.auth = auth
        self.settings = settings
        self.role_groups = {group_key(group): role for group, role in settings.oidc_role_groups.items()}

    async def login(self, identity: Identity, address: str) -> User:
        """The local user of the person the provider vouched for; refused (audited, counted by the throttle) when
        the name belongs to an account the provider does not speak for, the account is disabled here, or it has
        no role."""
        key = identity.username
        try:
            await self.auth.check_throttle(None, key, address)
        except TooManyRequests:
            raise SignInRefused("throttled") from None
        user = (await self.auth.session.exec(select(User).where(User.username == key))).first()
        if user is not None and user.source != UserSource.oidc:
            # a local or directory account of that name is never taken over by the provider's person
            await self._refuse(user, key, address, "not_linked")
        if user is not None and not user.is_active:
            await self._refuse(user, key, address, "disabled")
        role = highest_role(
            [group_key(group) for group in identity.groups], self.role_groups, self.settings.oidc_unmapped
        )
        if role is None:
            if user is not None:  # taken out of every mapped group: its sessions here end too
                await end_sessions(self.auth, user, "oidc")
            await self._refuse(user, key, address, "no_role")
        assert role is not None
        if self.auth.guard is not None:
            await self.auth.guard.throttle.succeeded(key)
        return await keep_in_step(
            self.auth, user, key, identity.full_name, identity.unit, SystemRole(role), UserSource.oidc
        )

    async def _refuse(self, user: User | None, username: str, address: str, reason: str) -> NoReturn:
        """Audit and count the refusal (``auth.login_failed`` with ``reason``), and say why to the callback."""
        try:
            await self.auth.refuse(user, username, address, reason)
        except TooManyRequests:
            raise SignInRefused("throttled") from None
        except Unauthorized:
            raise SignInRefused(reason) from None

"""People whose identity another system vouches for (the organisation's directory, an OpenID provider): their
local account is created at the first login and kept in step with that system at each one after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlmodel import col

from server.audit import audit
from server.auth.models import AuthToken, SystemRole, User, UserSource

if TYPE_CHECKING:
    from server.auth.service import AuthService

ROLE_RANK = {"member": 0, "recorder": 1, "secretary": 2, "admin": 3}


def highest_role(groups: Iterable[str], role_groups: Mapping[str, str], unmapped: str) -> str | None:
    """The highest role any of ``groups`` maps to in ``role_groups`` (keys as the caller spells groups); with none,
    ``member`` or None (refused) as ``unmapped`` says."""
    roles = [role_groups[group] for group in groups if group in role_groups]
    if roles:
        return max(roles, key=ROLE_RANK.__getitem__)
    return "member" if unmapped == "member" else None


async def keep_in_step(
    auth: AuthService,
    user: User | None,
    username: str,
    full_name: str,
    unit: str,
    role: SystemRole,
    source: UserSource,
) -> User:
    """Create the local account of a person ``source`` vouches for, or bring its name, unit and role up to date
    (audited; a new role counts for open sessions after the commit, a new name is announced to their meetings)."""
    if user is None:
        user = User(
            username=username,
            full_name=full_name,
            unit=unit,
            role=role,
            password_hash="!",
            source=source,
        )
        auth.session.add(user)
        await auth.session.flush()
        audit(auth.session, None, "user.create", "user", user.id, role=str(role), source=str(source))
        return user
    changed = sorted(
        name
        for name, value in (("full_name", full_name), ("unit", unit), ("role", role))
        if getattr(user, name) != value
    )
    if changed:
        rights_change = user.role != role
        user.full_name, user.unit, user.role = full_name, unit, role
        auth.session.add(user)
        audit(auth.session, None, "user.update", "user", user.id, fields=changed, source=str(source))
        assert user.id is not None
        if rights_change:
            auth.rights_changed(user.id)
        if "full_name" in changed and auth.renamed is not None:
            await auth.session.flush()
            await auth.renamed(user.id)
    return user


async def end_sessions(auth: AuthService, user: User, reason: str) -> None:
    """End every session of ``user`` (committed), on every process: the system that vouched for them switched
    them off."""
    user_id = user.id
    assert user_id is not None
    await auth.session.exec(delete(AuthToken).where(col(AuthToken.user_id) == user_id))
    audit(auth.session, None, "auth.sessions_ended", "user", user_id, reason=reason)
    if auth.principals is not None:
        auth.principals.forget_user(user_id)
    await auth.session.commit()
    if auth.principals is not None:
        auth.principals.forget_user(user_id)
    if auth.sessions is not None:
        auth.sessions.user_ended(user_id)

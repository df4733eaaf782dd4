"""Users and login sessions: create, authenticate, issue and revoke tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import bindparam, delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import audit
from server.auth.directory_login import DirectoryLogin
from server.auth.models import AuthToken, SystemRole, User, UserSource
from server.auth.passwords import Hashing, password_problem
from server.auth.schemas import UserCreate, UserUpdate
from server.db import Database, utcnow
from server.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized

if TYPE_CHECKING:
    from server.audit_buffer import AuditBuffer
    from server.auth.cache import PrincipalCache
    from server.auth.directory import Directory
    from server.auth.sessions import SessionWatch
    from server.auth.throttle import LoginThrottle


# for callers without the app's (the CLI, the demo): one hash at a time
DEFAULT_HASHING = Hashing(1)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the user and when their token expires."""

    user: User
    token_expires_at: datetime
    token_hash: str = ""
    """The keyed hash of the caller's token: names the session whose sockets a logout closes."""

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def role(self) -> SystemRole:
        return SystemRole(self.user.role)

    @property
    def is_admin(self) -> bool:
        return self.role is SystemRole.admin

    @property
    def session_id(self) -> str:
        return session_id(self.token_hash)


def session_id(token_hash: str) -> str:
    """A name of the session that is no credential (derived one way from the token's keyed hash).

    The kiosk keeps it instead of the token: it names the session's offline cache and, sent as
    ``X-ICabinet-Session``, proves a cookie-authenticated write comes from a page of that session.
    """
    return hashlib.sha256(f"session:{token_hash}".encode()).hexdigest()[:32]


class TokenHasher:
    def __init__(self, secret_key: str) -> None:
        self._key = secret_key.encode()

    def __call__(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()


# built once: the token read runs for every request whose token is not in the cache
_PRINCIPAL_QUERY = (
    select(AuthToken.expires_at, *User.__table__.columns)  # type: ignore[attr-defined]
    .join(User, col(User.id) == AuthToken.user_id)
    .where(col(AuthToken.token_hash) == bindparam("token_hash"))
)


class Authenticator:
    """Bearer token -> Principal: from the in-process cache, or one read statement."""

    def __init__(self, db: Database, hasher: TokenHasher, principals: PrincipalCache) -> None:
        self.db = db
        self.hash_token = hasher
        self.principals = principals

    async def authenticate(self, token: str) -> Principal | None:
        token_hash = self.hash_token(token)
        cached = self.principals.get(token_hash)
        if cached is not None:
            return cached
        generation = self.principals.generation
        async with self.db.lookup() as conn:
            found = (await conn.execute(_PRINCIPAL_QUERY, {"token_hash": token_hash})).first()
        if found is None:
            return None
        expires_at, *columns = found
        user = User(**dict(zip(found._fields[1:], columns, strict=True)))
        if expires_at <= utcnow() or not user.is_active:
            return None
        principal = Principal(user=user, token_expires_at=expires_at, token_hash=token_hash)
        self.principals.put(token_hash, principal, generation)
        return principal


@dataclass(frozen=True)
class LoginGuard:
    """What stands between a login attempt and the password check: the throttle, the hashing threads, and the
    audit buffer that records every failure (a failed login has no transaction of its own to commit)."""

    throttle: LoginThrottle
    hashing: Hashing
    audit: AuditBuffer


class AuthService:
    def __init__(
        self,
        session: AsyncSession,
        hasher: TokenHasher,
        token_ttl: timedelta,
        principals: PrincipalCache | None = None,
        guard: LoginGuard | None = None,
        sessions: SessionWatch | None = None,
        directory: Directory | None = None,
        renamed: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.session = session
        self.hash_token = hasher
        self.token_ttl = token_ttl
        self.principals = principals
        self.guard = guard
        self.sessions = sessions
        self.directory = directory
        self.renamed = renamed
        """Announces a user's new name in this transaction (``announce_rename``): the directory may give one."""
        self._rights_changed: set[int] = set()

    async def check_password(self, username: str, password: str, address: str = "") -> User:
        """The user whose password this is: a local account by its argon2id hash, anyone else by the directory
        (``directory``), created or updated from what the directory says. Refused (429) while the account or
        the address is throttled; every refusal is audited as ``auth.login_failed``."""
        await self.check_throttle(None, username, address)
        guard = self.guard
        user = (await self.session.exec(select(User).where(User.username == username))).first()
        # end the read before the password is checked, which takes a while (an argon2id hash by design, or the
        # directory's answer): a login's session is a write session, so on SQLite its first read took the
        # database's write lock, and every change of every meeting (check-ins, ballots, a document's text)
        # would wait for each login (nothing is pending here)
        await self.session.commit()
        if self.directory is not None and (user is None or user.source == UserSource.directory):
            return await DirectoryLogin(self, self.directory).login(username, password, address)
        hashing = guard.hashing if guard is not None else DEFAULT_HASHING
        verified = await hashing.verify(user.password_hash if user else None, password)
        if not verified or user is None or not user.is_active:
            reason = "unknown_user" if user is None else "password" if not verified else "disabled"
            await self.refuse(user, username, address, reason)
        if guard is not None:
            await guard.throttle.succeeded(username)
        assert user is not None
        return user

    async def check_throttle(self, user: User | None, username: str, address: str) -> None:
        """Refuse (429, audited) while the account or the address is locked after failed logins."""
        if self.guard is None:
            return
        wait = await self.guard.throttle.retry_after(username, address)
        if wait > 0:
            self.record_failure(user, username, address, "throttled")
            raise _too_many(wait)

    async def commit(self) -> None:
        """Commit, then let caches and open sockets know of a directory user whose rights changed."""
        await self.session.commit()
        changed, self._rights_changed = self._rights_changed, set()
        for user_id in changed:
            if self.principals is not None:
                self.principals.forget_user(user_id)
            if self.sessions is not None:
                self.sessions.rights_changed(user_id)

    async def refuse(self, user: User | None, username: str, address: str, reason: str) -> NoReturn:
        """Audit and count a failed login, and raise what the caller is told."""
        self.record_failure(user, username, address, reason)
        wait = await self.guard.throttle.failed(username, address) if self.guard is not None else 0
        if reason == "disabled":
            raise Unauthorized("This account is disabled", "Tài khoản đã bị khoá")
        if reason == "no_role":
            raise Unauthorized(
                "Your directory account has no role in i-Cabinet",
                "Tài khoản thư mục chưa được cấp quyền trong i-Cabinet",
            )
        if wait > 0:
            raise _too_many(wait)
        if reason == "code":
            raise Unauthorized("Wrong or already used code", "Mã sai hoặc đã được dùng")
        raise Unauthorized("Wrong username or password", "Sai tên đăng nhập hoặc mật khẩu")

    async def open_session(self, user: User, factor: str = "password") -> tuple[str, AuthToken]:
        """A new login token for ``user`` (audited as ``auth.login`` with the ``factor`` that completed it:
        ``password``, ``totp`` or ``recovery``), committed."""
        assert user.id is not None
        token = secrets.token_urlsafe(32)
        row = AuthToken(token_hash=self.hash_token(token), user_id=user.id, expires_at=utcnow() + self.token_ttl)
        self.session.add(row)
        audit(self.session, user.id, "auth.login", "user", user.id, source=str(user.source), factor=factor)
        await self.commit()
        return token, row

    def rights_changed(self, user_id: int) -> None:
        """``user_id``'s role changed in this transaction: caches and sockets are told after the commit."""
        self._rights_changed.add(user_id)

    def record_failure(self, user: User | None, username: str, address: str, reason: str) -> None:
        """Audit a failed login (``auth.login_failed`` with ``reason``) without counting it against anyone."""
        if self.guard is None:
            return
        user_id = user.id if user is not None else None
        self.guard.audit.record(
            user_id, "auth.login_failed", "user", user_id, username=username, address=address, reason=reason
        )

    async def logout(self, token: str, user_id: int) -> None:
        token_hash = self.hash_token(token)
        if self.principals is not None:  # refused from now on, also by lookups already under way
            self.principals.forget_token(token_hash)
        await self.session.exec(  # type: ignore[call-overload]
            delete(AuthToken).where(col(AuthToken.token_hash) == token_hash)
        )
        await self.session.exec(  # expired tokens of this user are dead weight
            delete(AuthToken).where(col(AuthToken.user_id) == user_id, col(AuthToken.expires_at) <= utcnow())
        )  # type: ignore[call-overload]
        audit(self.session, user_id, "auth.logout", "user", user_id)
        await self.session.commit()
        if self.principals is not None:  # and once more: a lookup that read the row before the commit
            self.principals.forget_token(token_hash)
        if self.sessions is not None:  # its open sockets, on every process
            self.sessions.token_ended(token_hash)


def _too_many(wait: int) -> TooManyRequests:
    return TooManyRequests(
        f"Too many failed logins; try again in {wait} seconds",
        f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {wait} giây",
        retry_after=wait,
    )


def check_new_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(*problem)


class UserService:
    def __init__(
        self,
        session: AsyncSession,
        principals: PrincipalCache | None = None,
        hashing: Hashing | None = None,
        sessions: SessionWatch | None = None,
    ) -> None:
        self.session = session
        self.principals = principals
        self.hashing = hashing or DEFAULT_HASHING
        self.sessions = sessions

    async def create(self, data: UserCreate, actor: Principal | None) -> User:
        if actor is not None and not actor.is_admin and data.role is not SystemRole.member:
            raise Forbidden(
                "Only an administrator can create secretaries and administrators",
                "Chỉ quản trị viên mới tạo được thư ký và quản trị viên",
            )
        check_new_password(data.password, data.username)
        existing = (await self.session.exec(select(User).where(User.username == data.username))).first()
        if existing is not None:
            raise Conflict(f"Username {data.username!r} is taken", f"Tên đăng nhập {data.username!r} đã tồn tại")
        user = User(
            username=data.username,
            full_name=data.full_name,
            role=data.role,
            password_hash=await self.hashing.hash(data.password),
        )
        self.session.add(user)
        await self.session.flush()
        audit(self.session, actor.id if actor else None, "user.create", "user", user.id, role=str(data.role))
        await self.session.commit()
        return user

    async def list(self) -> list[User]:
        return list((await self.session.exec(select(User).order_by(col(User.username)))).all())

    async def get(self, user_id: int) -> User:
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound("User", "người dùng", user_id)
        return user

    async def update(
        self,
        user_id: int,
        data: UserUpdate,
        actor: Principal,
        renamed: Callable[[int], Awaitable[None]] | None = None,
    ) -> User:
        """Apply ``data``; ``renamed(user_id)`` runs in the same transaction when the name really changed."""
        user = await self.get(user_id)
        changes = data.model_dump(exclude_unset=True)
        new_name = changes.get("full_name")
        name_changes = new_name is not None and new_name != user.full_name
        sessions_end = "password" in changes or (changes.get("is_active") is False and user.is_active)
        rights_change = changes.get("role") is not None and changes["role"] != user.role
        if "password" in changes:
            password = changes.pop("password")
            check_new_password(password, user.username)
            user.password_hash = await self.hashing.hash(password)
            await self.session.exec(  # a new password ends every session of that user
                delete(AuthToken).where(col(AuthToken.user_id) == user_id)
            )  # type: ignore[call-overload]
        for key, value in changes.items():
            if value is None:
                continue
            setattr(user, key, value)
        if user.id == actor.id and (user.role != SystemRole.admin or not user.is_active):
            raise Conflict("You cannot demote or disable yourself", "Không thể tự hạ quyền hoặc khoá chính mình")
        self.session.add(user)
        audit(self.session, actor.id, "user.update", "user", user_id, fields=sorted(changes))
        if name_changes and renamed is not None:
            await self.session.flush()
            await renamed(user_id)
        if self.principals is not None:  # a new password, role or a disabled account counts at once
            self.principals.forget_user(user_id)
        await self.session.commit()
        if self.principals is not None:  # also over lookups that read the old row before the commit
            self.principals.forget_user(user_id)
        if self.sessions is not None:  # the sockets the user holds open, on every process
            if sessions_end:
                self.sessions.user_ended(user_id)
            elif rights_change:
                self.sessions.rights_changed(user_id)
        return user

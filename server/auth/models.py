"""Users and login tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class SystemRole(StrEnum):
    admin = "admin"
    secretary = "secretary"
    member = "member"
    recorder = "recorder"  # a room PC's account: records the meetings it takes part in (server/meetings/access.py)


class UserSource(StrEnum):
    """Where the account's password is checked: here (argon2id), by the organisation's directory (LDAP), or by
    its OpenID provider (single sign-on)."""

    local = "local"
    directory = "directory"
    oidc = "oidc"


class UserBase(SQLModel):
    username: str = Field(min_length=2, max_length=64, regex=r"^[A-Za-z0-9._@-]+$")
    full_name: str = Field(default="", max_length=200)
    role: SystemRole = Field(default=SystemRole.member, sa_type=String(16))
    unit: str = Field(default="", max_length=200)
    """The person's unit (đơn vị), as the directory gives it."""


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    """argon2id of a local account's password; a directory account's is ``!`` (no password matches it)."""
    source: UserSource = Field(default=UserSource.local, sa_type=String(16))
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

    @property
    def display_name(self) -> str:
        """How screens, minutes and watermarks name the person: the full name, else the username."""
        return User.name_of(self.full_name, self.username)

    @staticmethod
    def name_of(full_name: str, username: str) -> str:
        """``display_name`` from the two columns (for queries that read columns, not users)."""
        return full_name or username


class AuthToken(SQLModel, table=True):
    """A login session; only a keyed hash of the bearer token is stored."""

    __tablename__ = "auth_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=128, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TotpFactor(SQLModel, table=True):
    """A user's authenticator app (TOTP, RFC 6238): the shared secret, sealed with a key derived from the
    server's secret key, so the database file alone does not give it away."""

    __tablename__ = "totp_factor"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    secret_sealed: str = Field(max_length=255)
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    """Unset while enrolment waits for the first code from the app; only a confirmed factor is asked for."""
    last_step: int | None = None
    """The latest 30-second time step whose code was accepted: that code, and any older one, is refused."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class RecoveryCode(SQLModel, table=True):
    """One of a user's single-use recovery codes (for a lost phone); only a keyed hash is stored."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=128, unique=True)
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))

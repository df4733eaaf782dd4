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


class UserBase(SQLModel):
    username: str = Field(min_length=2, max_length=64, regex=r"^[A-Za-z0-9._@-]+$")
    full_name: str = Field(default="", max_length=200)
    role: SystemRole = Field(default=SystemRole.member, sa_type=String(16))


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
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

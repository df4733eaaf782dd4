"""What goes in and out of the auth and user API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from server.auth.models import SystemRole


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: SystemRole
    is_active: bool


class MePublic(UserPublic):
    time_zone: str = Field(description="The organisation's time zone (IANA): screens give every time in it")


class LoginResponse(BaseModel):
    token: str
    """For clients that send ``Authorization: Bearer``; the kiosk ignores it and keeps the HttpOnly cookie."""
    session: str
    """The session's id, no credential: the kiosk sends it as ``X-ICabinet-Session`` and names its offline cache
    with it."""
    expires_at: datetime
    user: UserPublic


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=10, max_length=1024)
    full_name: str = Field(default="", max_length=200)
    role: SystemRole = SystemRole.member


class UserUpdate(BaseModel):
    full_name: str | None = Field(default=None, max_length=200)
    role: SystemRole | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=1024)


def user_public(user: object) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)

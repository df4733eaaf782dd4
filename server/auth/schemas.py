"""What goes in and out of the auth and user API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from server.auth.models import SystemRole, UserSource


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: SystemRole
    is_active: bool
    unit: str = ""
    source: UserSource = UserSource.local


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


class SecondFactorStep(BaseModel):
    """The password was right, and a second step must follow before the session starts."""

    second_factor: Literal["totp", "enrol"]
    """``totp``: send a code from the authenticator app (or a recovery code) to ``/api/auth/login/second-factor``;
    ``enrol``: a second factor is required and none is set up: enrol one (``/api/auth/second-factor/enrolment``)."""
    ticket: str
    """Proof of the password step, for a few minutes: send it back in the next step's body."""


class SecondFactorLogin(BaseModel):
    ticket: str = Field(min_length=1, max_length=300)
    code: str = Field(min_length=1, max_length=32, description="Six digits from the app, or a recovery code")


class EnrolmentRequest(BaseModel):
    ticket: str | None = Field(default=None, max_length=300)
    """From a login told to ``enrol``; without it, the caller's own session enrols."""


class EnrolmentPublic(BaseModel):
    secret: str
    """The base32 secret, for typing into an app that cannot scan the code."""
    uri: str
    qr_svg: str
    """The ``otpauth://`` URI as an SVG QR code, to put in the page as it is."""


class EnrolmentConfirm(BaseModel):
    ticket: str | None = Field(default=None, max_length=300)
    code: str = Field(min_length=1, max_length=32)


class EnrolmentDone(BaseModel):
    recovery_codes: list[str]
    """Ten single-use codes for a lost phone: shown this once, only their hashes are kept."""
    login: LoginResponse | None = None
    """With a ticket: the session the login now starts (also set as the cookie)."""


class SecondFactorStatus(BaseModel):
    enrolled: bool
    required: bool
    recovery_codes_left: int


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


class SingleSignOnPublic(BaseModel):
    name: str
    """The provider's name for the login page's button ("Sign in with ...")."""
    start: str
    """Where the button leads (add ``?next=`` with the page to come back to)."""


class LoginMethods(BaseModel):
    """How one may sign in here: the login page shows a single sign-on button only when there is one."""

    password: bool = True
    single_sign_on: SingleSignOnPublic | None = None

"""Login, logout, the current user, and user administration."""

from __future__ import annotations

from functools import partial

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.guards import admin_only, staff_only
from server.auth.login_flow import LoginFlow, SessionStarted, StepNeeded
from server.auth.middleware import COOKIE_NAME
from server.auth.models import User
from server.auth.schemas import (
    LoginRequest,
    LoginResponse,
    MePublic,
    SecondFactorStep,
    UserCreate,
    UserPublic,
    UserUpdate,
    user_public,
)
from server.auth.second_factor import SecondFactor
from server.auth.service import AuthService, Principal, UserService, session_id
from server.db import DbSession, utcnow
from server.live.context import ChangeContext
from server.meetings.controller import change_context
from server.meetings.renames import announce_rename


def auth_service(request: Request, session: AsyncSession) -> AuthService:
    state = request.app.state
    return AuthService(
        session,
        state.token_hasher,
        state.token_ttl,
        state.principals,
        state.login_guard,
        state.sessions,
        state.directory,
        renamed=partial(renamed_by_directory, request, session),
    )


async def renamed_by_directory(request: Request, session: AsyncSession, user_id: int) -> None:
    """The directory gave a user another name at their login: their meetings hear of it as of any rename,
    the user themself the actor (no one is logged in yet)."""
    user = await session.get(User, user_id)
    assert user is not None
    state = request.app.state
    index = getattr(state, "search_index", None)
    ctx = ChangeContext(
        session=session,
        principal=Principal(user=user, token_expires_at=utcnow()),
        publish=state.publish,
        reindex=index.sync_record if index is not None else None,
        timezone=state.settings.timezone,
    )
    await announce_rename(ctx, user_id)


def login_flow(request: Request, session: AsyncSession) -> LoginFlow:
    state = request.app.state
    factor = SecondFactor(session, state.totp_box, state.token_hasher)
    return LoginFlow(auth_service(request, session), factor, state.tickets, state.settings.require_2fa)


def login_response(started: SessionStarted) -> LoginResponse:
    return LoginResponse(
        token=started.token,
        session=session_id(started.row.token_hash),
        expires_at=started.row.expires_at,
        user=user_public(started.user),
    )


def session_cookie(request: Request, started: SessionStarted) -> Cookie:
    return Cookie(
        key=COOKIE_NAME,
        value=started.token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        expires=int(started.row.expires_at.timestamp()),
        path="/",
    )


def session_response(request: Request, started: SessionStarted) -> Response[LoginResponse]:
    return Response(login_response(started), cookies=[session_cookie(request, started)])


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy on this machine, uvicorn takes it from ``X-Forwarded-For``)."""
    return request.client.host if request.client else ""


class AuthController(Controller):
    path = "/api"
    tags = ["auth"]

    @post("/auth/login", exclude_from_auth=True, status_code=200)
    async def login(
        self,
        request: Request,
        db_session: DbSession,
        data: JSONBody[LoginRequest],
    ) -> Response[LoginResponse | SecondFactorStep]:
        """Exchange a username and password (a local account's, or the organisation directory's) for a bearer
        token, also set as an HttpOnly cookie; or, for who has or needs a second factor, for a ticket to the
        next step."""
        outcome = await login_flow(request, db_session).password(data.username, data.password, client_address(request))
        if isinstance(outcome, StepNeeded):
            return Response(SecondFactorStep(second_factor=outcome.step, ticket=outcome.ticket))
        return Response(login_response(outcome), cookies=[session_cookie(request, outcome)])

    @post("/auth/logout", status_code=200)
    async def logout(self, request: Request, db_session: DbSession) -> Response[dict[str, bool]]:
        """End this session: the token stops working at once."""
        await auth_service(request, db_session).logout(request.auth, request.user.id)
        return Response({"ok": True}, cookies=[Cookie(key=COOKIE_NAME, value="", max_age=0, path="/")])

    @get("/me")
    async def me(self, request: Request) -> MePublic:
        """Who the token belongs to, and the time zone their screens show times in."""
        principal: Principal = request.user
        user = user_public(principal.user)
        return MePublic(**user.model_dump(), time_zone=request.app.state.settings.timezone)

    @get("/users", guards=[staff_only])
    async def list_users(self, db_session: DbSession) -> list[UserPublic]:
        """Every user (for choosing participants). Administrators and secretaries."""
        return [user_public(user) for user in await UserService(db_session).list()]

    @post("/users", guards=[staff_only], status_code=HTTP_201_CREATED)
    async def create_user(self, request: Request, db_session: DbSession, data: JSONBody[UserCreate]) -> UserPublic:
        """Create a user. Secretaries may create members only; administrators any role."""
        service = UserService(db_session, hashing=request.app.state.login_guard.hashing)
        return user_public(await service.create(data, request.user))

    @patch("/users/{user_id:int}", guards=[admin_only])
    async def update_user(
        self,
        request: Request,
        db_session: DbSession,
        user_id: FromPath[int],
        data: JSONBody[UserUpdate],
    ) -> UserPublic:
        """Change a user's name, role, password or active flag. Administrators only."""
        state = request.app.state
        service = UserService(db_session, state.principals, state.login_guard.hashing, state.sessions)
        renamed = partial(announce_rename, change_context(request, db_session))
        return user_public(await service.update(user_id, data, request.user, renamed=renamed))

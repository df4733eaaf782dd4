"""Login, logout, the current user, and user administration."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import Cookie
from litestar.status_codes import HTTP_201_CREATED
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.guards import staff_only
from server.auth.middleware import COOKIE_NAME
from server.auth.schemas import LoginRequest, LoginResponse, UserCreate, UserPublic, UserUpdate, user_public
from server.auth.service import AuthService, Principal, UserService
from server.auth.guards import admin_only


def auth_service(request: Request, session: AsyncSession) -> AuthService:  # type: ignore[type-arg]
    state = request.app.state
    return AuthService(session, state.token_hasher, state.token_ttl)


class AuthController(Controller):
    path = "/api"
    tags = ["auth"]

    @post("/auth/login", exclude_from_auth=True, status_code=200)
    async def login(
        self, request: Request, db_session: AsyncSession, data: LoginRequest  # type: ignore[type-arg]
    ) -> Response[LoginResponse]:
        """Exchange a username and password for a bearer token (also set as an HttpOnly cookie)."""
        token, row, user = await auth_service(request, db_session).login(data.username, data.password)
        body = LoginResponse(token=token, expires_at=row.expires_at, user=user_public(user))
        cookie = Cookie(
            key=COOKIE_NAME,
            value=token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.cookie_secure,
            expires=int(row.expires_at.timestamp()),
            path="/",
        )
        return Response(body, cookies=[cookie])

    @post("/auth/logout", status_code=200)
    async def logout(self, request: Request, db_session: AsyncSession) -> Response[dict[str, bool]]:  # type: ignore[type-arg]
        """End this session: the token stops working at once."""
        await auth_service(request, db_session).logout(request.auth, request.user.id)
        return Response({"ok": True}, cookies=[Cookie(key=COOKIE_NAME, value="", max_age=0, path="/")])

    @get("/me")
    async def me(self, request: Request) -> UserPublic:  # type: ignore[type-arg]
        """Who the token belongs to."""
        principal: Principal = request.user
        return user_public(principal.user)

    @get("/users", guards=[staff_only])
    async def list_users(self, db_session: AsyncSession) -> list[UserPublic]:
        """Every user (for choosing participants). Administrators and secretaries."""
        return [user_public(user) for user in await UserService(db_session).list()]

    @post("/users", guards=[staff_only], status_code=HTTP_201_CREATED)
    async def create_user(self, request: Request, db_session: AsyncSession, data: UserCreate) -> UserPublic:  # type: ignore[type-arg]
        """Create a user. Secretaries may create members only; administrators any role."""
        return user_public(await UserService(db_session).create(data, request.user))

    @patch("/users/{user_id:int}", guards=[admin_only])
    async def update_user(
        self, request: Request, db_session: AsyncSession, user_id: int, data: UserUpdate  # type: ignore[type-arg]
    ) -> UserPublic:
        """Change a user's name, role, password or active flag. Administrators only."""
        return user_public(await UserService(db_session).update(user_id, data, request.user))

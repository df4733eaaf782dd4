"""Authentication: a bearer token or the HttpOnly session cookie; never a token in the URL (it would reach logs).

The kiosk holds no token: its pages authenticate with the cookie and send the session's id (not a credential,
from the login response) as ``X-ICabinet-Session``. A write authenticated by the cookie needs that header, and
a request whose header names another session than the cookie's is refused, so a cross-site page (which can
neither read the id nor, with ``SameSite=Strict``, send the cookie) cannot write, and a page never acts as
whoever signed in last in another tab. Websockets, which browsers cannot give headers, take the cookie.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server.auth.service import Authenticator, Principal

COOKIE_NAME = "icabinet_token"
SESSION_HEADER = "x-icabinet-session"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def authenticate(connection: ASGIConnection) -> tuple[Principal | None, str | None]:
    """The caller and their token (see the module docstring for which requests the cookie may serve)."""
    authenticator: Authenticator = connection.app.state.authenticator
    token = bearer_token(connection)
    if token is not None:
        return await authenticator.authenticate(token), token
    token = connection.cookies.get(COOKIE_NAME)
    if not token:
        return None, None
    principal = await authenticator.authenticate(token)
    claimed = connection.headers.get(SESSION_HEADER)
    safe = connection.scope["type"] == "websocket" or connection.scope.get("method") in SAFE_METHODS
    if principal is None or (claimed is None and not safe) or (claimed is not None and claimed != principal.session_id):
        return None, None
    return principal, token


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        principal, token = await authenticate(connection)
        if principal is None and connection.scope["type"] != "websocket":
            # websockets are accepted and then closed with 4401, so browsers can tell why
            raise NotAuthorizedException("Not logged in, or the session expired")
        return AuthenticationResult(user=principal, auth=token)

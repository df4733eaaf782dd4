"""Authentication: a bearer token or the session cookie; never a token in the URL (it would reach logs).

Mutations only accept the ``Authorization`` header, so a cookie can never make
a cross-site write; the cookie serves page loads, images and websockets,
which browsers cannot give headers.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server.auth.service import Authenticator

COOKIE_NAME = "icabinet_token"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def token_from(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    is_websocket = connection.scope["type"] == "websocket"
    if is_websocket or connection.scope.get("method") in SAFE_METHODS:
        return connection.cookies.get(COOKIE_NAME)
    return None


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = token_from(connection)
        principal = None
        if token:
            authenticator: Authenticator = connection.app.state.authenticator
            principal = await authenticator.authenticate(token)
        if principal is None and connection.scope["type"] != "websocket":
            # websockets are accepted and then closed with 4401, so browsers can tell why
            raise NotAuthorizedException("Not logged in, or the session expired")
        return AuthenticationResult(user=principal, auth=token)

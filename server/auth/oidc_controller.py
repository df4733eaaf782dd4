"""Single sign-on's routes: how one may sign in, the way out to the OpenID provider, the way back, and the login's
end on the kiosk page (which may still ask for the second factor)."""

from __future__ import annotations

import hmac
import logging
import re

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery
from litestar.response import Redirect

from server.auth.controller import auth_service, client_address, login_flow, login_response, session_cookie
from server.auth.login_flow import StepNeeded
from server.auth.models import User
from server.auth.oidc import PENDING_SECONDS, OpenIdProvider, ProviderUnavailable, SignInRefused
from server.auth.oidc_login import SingleSignOnLogin
from server.auth.schemas import LoginMethods, LoginResponse, SecondFactorStep, SingleSignOnPublic
from server.db import DbSession
from server.errors import AppError, Invalid, Unauthorized

log = logging.getLogger(__name__)

PENDING_COOKIE = "icabinet_oidc"
SIGNED_IN_COOKIE = "icabinet_oidc_login"
COOKIE_PATH = "/api/auth/oidc"
SIGNED_IN_SECONDS = 120
"""From the callback to the kiosk page finishing the login: a page load."""
START = "/api/auth/oidc/start"
CALLBACK = "/api/auth/oidc/callback"
# the kiosk's own pages only: a path, never another site (``//host``) nor a query
NEXT_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_-]{0,200}$")
PROVIDER_ERROR = re.compile(r"^[a-z_]{1,40}$")


class NotConfigured(AppError):
    """Single sign-on is not set up here (404)."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(
            "Single sign-on is not set up on this server", "Máy chủ này chưa cấu hình đăng nhập một lần (SSO)"
        )


def provider_of(request: Request) -> OpenIdProvider:
    provider: OpenIdProvider | None = request.app.state.oidc
    if provider is None:
        raise NotConfigured()
    return provider


def redirect_uri(request: Request) -> str:
    configured: str | None = request.app.state.settings.oidc_redirect_uri
    return configured or str(request.base_url).rstrip("/") + CALLBACK


def sign_in_cookie(request: Request, key: str, value: str, max_age: int) -> Cookie:
    # Lax: the provider sends the browser back with a top-level GET from its own site, which must carry it
    return Cookie(
        key=key,
        value=value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookie_secure,
    )


def cleared(key: str) -> Cookie:
    return Cookie(key=key, value="", max_age=0, path=COOKIE_PATH, httponly=True, samesite="lax")


def back_to(next_path: str, cookies: list[Cookie], **query: str) -> Redirect:
    """To the kiosk page the sign-in started from, with what it should tell the person in the query."""
    return Redirect(next_path, status_code=303, cookies=cookies, query_params=query)


class SingleSignOnController(Controller):
    path = "/api"
    tags = ["auth"]

    @get("/auth/methods", exclude_from_auth=True)
    async def methods(self, request: Request) -> LoginMethods:
        """How one may sign in: always a password; single sign-on with the provider's name when it is set up."""
        settings = request.app.state.settings
        if request.app.state.oidc is None:
            return LoginMethods()
        return LoginMethods(single_sign_on=SingleSignOnPublic(name=settings.oidc_display_name, start=START))

    @get("/auth/oidc/start", exclude_from_auth=True, status_code=302)
    async def start(self, request: Request, next: FromQuery[str] = "/") -> Redirect:  # noqa: A002  (the query's name)
        """Send the browser to the OpenID provider (Authorization Code with PKCE S256, a state and a nonce); the
        sign-in's secrets ride a sealed, HttpOnly cookie for ten minutes. ``next``: the kiosk page to come back
        to (``/``, ``/console``, ...)."""
        provider = provider_of(request)
        next_path = next if NEXT_PATH.match(next) else "/"
        try:
            url, pending = await provider.begin(redirect_uri(request), next_path)
        except ProviderUnavailable as exc:
            log.error("single sign-on cannot start: %s", exc)
            return back_to(next_path, [], sso_error="unavailable")
        sealed = request.app.state.oidc_cookies.seal_pending(pending)
        return Redirect(
            url, status_code=302, cookies=[sign_in_cookie(request, PENDING_COOKIE, sealed, PENDING_SECONDS)]
        )

    @get("/auth/oidc/callback", exclude_from_auth=True, status_code=303, opt={"writes": True})
    async def callback(self, request: Request, db_session: DbSession) -> Redirect:
        """The provider sends the browser back here. A state that is not this browser's pending sign-in's is
        refused (400) and changes nothing; otherwise the code is exchanged (with the PKCE verifier), the ID token
        checked (signature, issuer, audience, expiry, nonce), the local user created or brought up to date, and
        the browser goes back to its page, which finishes the login (``POST /api/auth/oidc/finish``). Refusals
        go back with ``sso_error`` for the page to explain."""
        provider = provider_of(request)
        query = request.query_params
        pending = request.app.state.oidc_cookies.open_pending(request.cookies.get(PENDING_COOKIE))
        state = query.get("state") or ""
        if pending is None or not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise Invalid(
                "This sign-in was not started in this browser, or it took too long; start it again",
                "Lượt đăng nhập này không bắt đầu từ trình duyệt này hoặc đã quá hạn; hãy đăng nhập lại",
            )
        spent = [cleared(PENDING_COOKIE)]  # one state, one callback
        auth = auth_service(request, db_session)
        address = client_address(request)
        issuer = query.get("iss")
        if issuer is not None and issuer != provider.issuer:  # RFC 9207: an answer of another provider (mix-up)
            auth.record_failure(None, "", address, "oidc:iss")
            return back_to(pending.next_path, spent, sso_error="refused")
        error = query.get("error")
        if error is not None:
            code = error if PROVIDER_ERROR.match(error) else "error"
            auth.record_failure(None, "", address, f"provider:{code}")
            return back_to(pending.next_path, spent, sso_error=code)
        code = query.get("code")
        if not code:
            raise Invalid("The provider sent no code back", "Nhà cung cấp định danh không gửi mã về")
        try:
            identity = await provider.identify(pending, code)
            user = await SingleSignOnLogin(auth, request.app.state.settings).login(identity, address)
        except ProviderUnavailable as exc:
            log.error("single sign-on: the provider cannot be reached: %s", exc)
            return back_to(pending.next_path, spent, sso_error="unavailable")
        except SignInRefused as exc:
            if exc.reason in ("token", "id_token", "nonce", "username"):  # the others are audited by the login
                log.warning("single sign-on refused: %s", exc)
                auth.record_failure(None, "", address, f"oidc:{exc.reason}")
            refusal = exc.reason if exc.reason in ("disabled", "no_role", "not_linked", "throttled") else "refused"
            return back_to(pending.next_path, spent, sso_error=refusal)
        await auth.commit()
        assert user.id is not None
        sealed = request.app.state.oidc_cookies.seal_signed_in(user.id, SIGNED_IN_SECONDS)
        signed_in = sign_in_cookie(request, SIGNED_IN_COOKIE, sealed, SIGNED_IN_SECONDS)
        return back_to(pending.next_path, [*spent, signed_in], sso="done")

    @post("/auth/oidc/finish", exclude_from_auth=True, status_code=200)
    async def finish(self, request: Request, db_session: DbSession) -> Response[LoginResponse | SecondFactorStep]:
        """The kiosk page the provider's sign-in came back to ends the login: the session (also as the HttpOnly
        cookie), or, as after a password, the second factor's step for who has or needs one."""
        provider_of(request)
        user_id = request.app.state.oidc_cookies.open_signed_in(request.cookies.get(SIGNED_IN_COOKIE))
        if user_id is None:
            raise Unauthorized(
                "The single sign-on expired or did not happen; sign in again",
                "Lượt đăng nhập một lần đã hết hạn hoặc chưa diễn ra; hãy đăng nhập lại",
            )
        user = await db_session.get(User, user_id)
        if user is None or not user.is_active:
            raise Unauthorized("This account is disabled", "Tài khoản đã bị khoá")
        outcome = await login_flow(request, db_session).identified(user, factor="oidc")
        spent = cleared(SIGNED_IN_COOKIE)
        if isinstance(outcome, StepNeeded):
            return Response(SecondFactorStep(second_factor=outcome.step, ticket=outcome.ticket), cookies=[spent])
        return Response(login_response(outcome), cookies=[session_cookie(request, outcome), spent])

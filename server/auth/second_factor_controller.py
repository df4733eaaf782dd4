"""The second factor's routes: the code step of a login, enrolment, its status, and an administrator's reset."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody

from server.audit import audit
from server.auth.controller import client_address, login_flow, login_response, session_cookie, session_response
from server.auth.guards import admin_only
from server.auth.middleware import authenticate
from server.auth.schemas import (
    EnrolmentConfirm,
    EnrolmentDone,
    EnrolmentPublic,
    EnrolmentRequest,
    LoginResponse,
    SecondFactorLogin,
    SecondFactorStatus,
)
from server.auth.second_factor import SecondFactor
from server.auth.service import Principal, UserService
from server.db import DbSession


def factor_service(request: Request, db_session: DbSession) -> SecondFactor:
    state = request.app.state
    return SecondFactor(db_session, state.totp_box, state.token_hasher)


class SecondFactorController(Controller):
    path = "/api"
    tags = ["auth"]

    @post("/auth/login/second-factor", exclude_from_auth=True, status_code=200)
    async def login_code(
        self, request: Request, db_session: DbSession, data: JSONBody[SecondFactorLogin]
    ) -> Response[LoginResponse]:
        """The login's second step: the ticket from the password step and a code from the authenticator app (or
        a recovery code). A wrong code, or one already accepted, is refused (401) and counts as a failed login."""
        started = await login_flow(request, db_session).code(data.ticket, data.code, client_address(request))
        return session_response(request, started)

    @post("/auth/second-factor/enrolment", exclude_from_auth=True, status_code=200)
    async def start_enrolment(
        self, request: Request, db_session: DbSession, data: JSONBody[EnrolmentRequest]
    ) -> EnrolmentPublic:
        """A new TOTP secret for the caller (by session) or for the login holding an ``enrol`` ticket: the secret,
        its ``otpauth://`` URI and that URI as an SVG QR code. Nothing is asked for until it is confirmed."""
        principal = None if data.ticket is not None else (await authenticate(request))[0]
        enrolment = await login_flow(request, db_session).start_enrolment(data.ticket, principal)
        return EnrolmentPublic(secret=enrolment.secret, uri=enrolment.uri, qr_svg=enrolment.qr_svg)

    @post("/auth/second-factor/confirm", exclude_from_auth=True, status_code=200)
    async def confirm_enrolment(
        self, request: Request, db_session: DbSession, data: JSONBody[EnrolmentConfirm]
    ) -> Response[EnrolmentDone]:
        """Turn the factor on with a first code from the app; answers the ten recovery codes (shown once) and,
        for a login holding an ``enrol`` ticket, starts its session."""
        principal = None if data.ticket is not None else (await authenticate(request))[0]
        codes, started = await login_flow(request, db_session).confirm_enrolment(data.ticket, principal, data.code)
        if started is None:
            return Response(EnrolmentDone(recovery_codes=codes))
        done = EnrolmentDone(recovery_codes=codes, login=login_response(started))
        return Response(done, cookies=[session_cookie(request, started)])

    @get("/auth/second-factor")
    async def status(self, request: Request, db_session: DbSession) -> SecondFactorStatus:
        """Whether the caller has a second factor, must have one, and how many recovery codes are left."""
        principal: Principal = request.user
        factor = factor_service(request, db_session)
        return SecondFactorStatus(
            enrolled=await factor.enrolled(principal.id),
            required=await factor.required(principal.user, request.app.state.settings.require_2fa),
            recovery_codes_left=await factor.recovery_codes_left(principal.id),
        )

    @delete("/users/{user_id:int}/second-factor", guards=[admin_only], status_code=200)
    async def reset(self, request: Request, db_session: DbSession, user_id: FromPath[int]) -> dict[str, bool]:
        """Remove a user's second factor and recovery codes (a lost phone): their next login enrols again if
        one is required. Administrators only."""
        await UserService(db_session).get(user_id)
        removed = await factor_service(request, db_session).reset(user_id)
        audit(db_session, request.user.id, "auth.2fa_reset", "user", user_id, removed=removed)
        await db_session.commit()
        return {"removed": removed}

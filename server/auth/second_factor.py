"""The second factor: a TOTP authenticator app (RFC 6238) with ten single-use recovery codes.

A code is accepted once: the factor keeps the latest accepted time step, and the update that moves it forward
is conditional, so the same code sent twice (or to two processes at once) is accepted by at most one.
"""

from __future__ import annotations

import hmac
import io
import secrets
import time
from dataclasses import dataclass
from typing import Literal

import pyotp
import segno
from sqlalchemy import delete, exists, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.audit import audit
from server.auth.models import RecoveryCode, SystemRole, TotpFactor, User
from server.auth.sealing import SecretBox
from server.auth.service import TokenHasher
from server.db import utcnow
from server.errors import Conflict, Invalid
from server.meetings.models import MeetingRole, Participant

ISSUER = "i-Cabinet"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the previous or the next 30 seconds still counts (clocks and typing)
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret, the otpauth:// URI and the same URI as an inline SVG QR code."""

    secret: str
    uri: str
    qr_svg: str


def _recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))  # about 49 bits
    return f"{raw[:5]}-{raw[5:]}"


def _qr_svg(uri: str) -> str:
    """The URI as a standalone SVG element (with its namespace, so a page can parse it without innerHTML) and a
    viewBox in place of a size, so the page scales it whole rather than cutting its edge and quiet zone."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, dark="#111", light="#fff", title=ISSUER
    )
    return out.getvalue().decode()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


class SecondFactor:
    """Enrol, confirm, check and reset a user's TOTP factor and recovery codes."""

    def __init__(self, session: AsyncSession, box: SecretBox, hasher: TokenHasher) -> None:
        self.session = session
        self.box = box
        self.hasher = hasher

    async def factor(self, user_id: int) -> TotpFactor | None:
        return await self.session.get(TotpFactor, user_id)

    async def enrolled(self, user_id: int) -> bool:
        factor = await self.factor(user_id)
        return factor is not None and factor.confirmed_at is not None

    async def required(self, user: User, require_2fa: bool) -> bool:
        """``ICABINET_REQUIRE_2FA`` applies to this user: an administrator, or the chair of any meeting."""
        if not require_2fa:
            return False
        if user.role == SystemRole.admin:
            return True
        chairs = select(Participant.id).where(Participant.user_id == user.id, Participant.role == MeetingRole.chair)
        return bool((await self.session.exec(select(exists(chairs)))).one())

    async def start(self, user: User) -> Enrolment:
        """A new secret for ``user``'s app, kept unconfirmed until a code from the app proves it was added."""
        assert user.id is not None
        if await self.enrolled(user.id):
            raise Conflict(
                "A second factor is already set up; an administrator can reset it",
                "Đã có xác thực hai lớp; quản trị viên có thể đặt lại",
            )
        secret = pyotp.random_base32()
        factor = await self.factor(user.id) or TotpFactor(user_id=user.id, secret_sealed="")
        factor.secret_sealed = self.box.seal(secret, self._context(user.id))
        factor.last_step = None
        self.session.add(factor)
        audit(self.session, user.id, "auth.2fa_enrolment_started", "user", user.id)
        await self.session.commit()
        uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.username, issuer_name=ISSUER)
        return Enrolment(secret=secret, uri=uri, qr_svg=_qr_svg(uri))

    async def confirm(self, user: User, code: str) -> list[str]:
        """Turn the factor on with a first code from the app; returns the ten recovery codes (shown once)."""
        assert user.id is not None
        factor = await self.factor(user.id)
        if factor is None or factor.confirmed_at is not None:
            raise Conflict("There is no enrolment waiting for a code", "Không có đăng ký nào đang chờ mã")
        if await self._accept_totp(factor, code) is None:
            raise Invalid("Wrong code; check the phone's time and try again", "Mã không đúng; hãy thử lại")
        factor.confirmed_at = utcnow()
        self.session.add(factor)
        codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
        await self.session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
        for code_text in codes:
            self.session.add(RecoveryCode(user_id=user.id, code_hash=self._code_hash(user.id, code_text)))
        audit(self.session, user.id, "auth.2fa_enrolled", "user", user.id)
        await self.session.commit()
        return codes

    async def verify(self, user: User, code: str) -> Literal["totp", "recovery"] | None:
        """Which kind of code this was, if it is a valid one never used before; the caller commits."""
        assert user.id is not None
        factor = await self.factor(user.id)
        if factor is None or factor.confirmed_at is None:
            return None
        if _normalise(code).isdigit():
            return "totp" if await self._accept_totp(factor, code) is not None else None
        used = await self.session.exec(
            update(RecoveryCode)
            .where(
                col(RecoveryCode.user_id) == user.id,
                col(RecoveryCode.code_hash) == self._code_hash(user.id, code),
                col(RecoveryCode.used_at).is_(None),
            )
            .values(used_at=utcnow())
        )
        return "recovery" if used.rowcount == 1 else None

    async def recovery_codes_left(self, user_id: int) -> int:
        left = select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))
        return len((await self.session.exec(left)).all())

    async def reset(self, user_id: int) -> bool:
        """Remove the factor and its codes (a lost phone); the caller audits and commits."""
        removed = await self.session.exec(delete(TotpFactor).where(col(TotpFactor.user_id) == user_id))
        await self.session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
        return bool(removed.rowcount)

    # -- internals --

    @staticmethod
    def _context(user_id: int) -> str:
        return f"totp:{user_id}"

    def _code_hash(self, user_id: int, code: str) -> str:
        return self.hasher(f"recovery:{user_id}:{_normalise(code)}")

    async def _accept_totp(self, factor: TotpFactor, code: str) -> int | None:
        """The time step ``code`` belongs to, moved into ``last_step`` in the database; None if the code is wrong
        or its step (or a later one) was already used."""
        code = _normalise(code)
        if len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(self.box.open(factor.secret_sealed, self._context(factor.user_id)), interval=STEP_SECONDS)
        now_step = int(time.time()) // STEP_SECONDS
        for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                moved = await self.session.exec(
                    update(TotpFactor)
                    .where(
                        col(TotpFactor.user_id) == factor.user_id,
                        or_(col(TotpFactor.last_step).is_(None), col(TotpFactor.last_step) < step),
                    )
                    .values(last_step=step)
                    .execution_options(synchronize_session=False)
                )
                if moved.rowcount != 1:
                    return None  # replayed: this code (or a newer one) was accepted already
                factor.last_step = step
                return step
        return None

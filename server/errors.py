"""One error hierarchy. Services raise these; one handler turns them into JSON.

Every error carries an English and a Vietnamese message; the handler answers
in the language the request asks for (``Accept-Language``), Vietnamese first.
"""

from __future__ import annotations

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException


class AppError(Exception):
    status_code = 400
    # fields added to the JSON body beside status_code and detail, for a client that acts on them
    extra: dict[str, object] | None = None

    def __init__(self, detail: str, detail_vi: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_vi = detail_vi or detail

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers this error is answered with."""
        return {}


class Invalid(AppError):
    """The request is well-formed but makes no sense here (400)."""

    status_code = 400


class Unauthorized(AppError):
    """No valid credentials (401)."""

    status_code = 401


class Forbidden(AppError):
    """Authenticated, but not allowed (403)."""

    status_code = 403


class NotFound(AppError):
    """The thing does not exist, or the caller may not know it exists (404)."""

    status_code = 404

    def __init__(self, what: str, what_vi: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found", f"Không tìm thấy {what_vi} {ident}")


class Conflict(AppError):
    """The change clashes with the current state, e.g. a stale version (409)."""

    status_code = 409


class Unprocessable(AppError):
    """The thing exists but cannot be produced from what is stored, e.g. a page that does not render (422)."""

    status_code = 422


class ConfirmationNeeded(Conflict):
    """The change needs the caller's explicit confirmation (409); ``confirm`` says what to confirm."""

    def __init__(self, detail: str, detail_vi: str, confirm: dict[str, object]) -> None:
        super().__init__(detail, detail_vi)
        self.extra = {"confirm": confirm}


class TooLarge(AppError):
    """The upload is larger than allowed (413)."""

    status_code = 413


class Unsupported(AppError):
    """Wrong media type (415)."""

    status_code = 415


class Unavailable(AppError):
    """A service the request needs (the organisation's directory) cannot be reached (503)."""

    status_code = 503


class TooManyRequests(AppError):
    """Slow down: try again after ``retry_after`` seconds (429, with ``Retry-After``)."""

    status_code = 429

    def __init__(self, detail: str, detail_vi: str, retry_after: int) -> None:
        super().__init__(detail, detail_vi)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def wants_vietnamese(request: Request, default: str) -> bool:
    header = request.headers.get("accept-language", "")
    first = header.split(",", 1)[0].strip().lower()
    if not first:
        return default == "vi"
    return first.startswith("vi")


def app_error_handler(request: Request, exc: AppError) -> Response:
    default = request.app.state.settings.language
    detail = exc.detail_vi if wants_vietnamese(request, default) else exc.detail
    return Response(
        {"status_code": exc.status_code, "detail": detail, **(exc.extra or {})},
        status_code=exc.status_code,
        media_type=MediaType.JSON,
        headers=exc.headers,
    )


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's own errors (validation, 404 route, 405) in the same JSON shape."""
    body: dict[str, object] = {"status_code": exc.status_code, "detail": exc.detail}
    if exc.extra:
        body["extra"] = exc.extra
    return Response(body, status_code=exc.status_code, media_type=MediaType.JSON, headers=exc.headers)

"""Keep credentials out of the log: a token a stale client still puts in a URL is masked before it is written.

The server takes no token from a URL (``server/auth/middleware.py``), but uvicorn writes the path and query of
every request and websocket it accepts (``uvicorn.access``, ``uvicorn.error``) before the app sees them.
"""

from __future__ import annotations

import logging
import re

# also the authorization code an OpenID provider sends back to /api/auth/oidc/callback: single-use and bound to
# the sign-in's PKCE verifier, but a credential until it is exchanged
TOKEN_IN_URL = re.compile(r"(?i)([?&](?:token|access_token|code)=)[^&\s\"']+")
REDACTED = r"\1[redacted]"
LOGGERS = ("uvicorn.access", "uvicorn.error")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_URL.sub(REDACTED, record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(TOKEN_IN_URL.sub(REDACTED, arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def redact_tokens_in_logs() -> None:
    """Add the filter to uvicorn's loggers (once: it runs at every app start-up, after uvicorn set them up)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
            logger.addFilter(RedactTokens())

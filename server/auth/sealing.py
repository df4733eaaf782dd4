"""Secrets the server must read back (a TOTP secret) sealed at rest with a key derived from its secret key.

The secret key lives outside the database (``ICABINET_SECRET_KEY`` or ``<data_dir>/secret_key``, 0600), so a
copy of the database file, a dump or a backup of it alone gives no TOTP secret away.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class SecretBox:
    """AES-256-GCM under ``HKDF(secret_key, purpose)``; the context (e.g. the user's id) is authenticated, so a
    sealed value copied to another row does not open."""

    def __init__(self, secret_key: str, purpose: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"icabinet:{purpose}".encode()).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        """The plaintext; ``cryptography.exceptions.InvalidTag`` if the key or the context is not the sealer's."""
        raw = base64.urlsafe_b64decode(sealed.encode())
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()

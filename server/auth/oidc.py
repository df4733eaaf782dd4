"""Single sign-on with an OpenID provider (Keycloak, a national identity provider): the Authorization Code flow
with PKCE (S256), through Authlib's OAuth 2 client, and the ID token's checks (signature by the provider's
JWKS, ``iss``, ``aud``, ``azp``, ``exp``, ``nonce``) with joserfc.

What a sign-in must remember between leaving for the provider and coming back (state, nonce, PKCE verifier)
travels in a cookie sealed with the server's key (AES-GCM, ``server.auth.sealing``), HttpOnly and short-lived:
no table keeps it, every process of an installation opens it, and another browser cannot present it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import httpx2
from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidTag
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from server.auth.sealing import SecretBox
from server.settings import Settings

log = logging.getLogger(__name__)

PENDING_SECONDS = 600
"""How long a sign-in may stay at the provider (typing a password, a second factor there)."""
# signatures with the provider's published keys only: never "none", never an HMAC keyed by the client secret
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
USERNAME = re.compile(r"^[a-z0-9._@-]{2,64}$")


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered what is no OpenID configuration."""


class WrongProvider(ProviderUnavailable):
    """The provider answered, but not as the settings expect (another issuer, no PKCE S256): a setting is wrong."""


class SignInRefused(Exception):
    """The provider's answer does not prove who signed in, or the person may not sign in here."""

    def __init__(self, reason: str, why: str = "") -> None:
        super().__init__(f"{reason}: {why}" if why else reason)
        self.reason = reason


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in on its way to the provider: kept in the sealed cookie until the callback."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next_path: str
    expires: int


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, in the terms of a local account."""

    subject: str
    username: str
    full_name: str
    unit: str
    groups: tuple[str, ...]


class SealedCookies:
    """The two cookies of a sign-in, sealed with the server's key: the pending sign-in, and once the callback
    has checked everything, the user it proved (for the kiosk page to finish the login with)."""

    def __init__(self, secret_key: str) -> None:
        self._box = SecretBox(secret_key, "oidc")

    def seal_pending(self, pending: PendingSignIn) -> str:
        return self._box.seal(json.dumps(asdict(pending)), "oidc.pending")

    def open_pending(self, sealed: str | None) -> PendingSignIn | None:
        """The pending sign-in, or None if the cookie is missing, altered, another key's, or expired."""
        data = self._open(sealed, "oidc.pending")
        try:
            pending = PendingSignIn(**data) if data is not None else None
        except TypeError:
            return None
        return pending if pending is not None and pending.expires >= time.time() else None

    def seal_signed_in(self, user_id: int, lifetime: int) -> str:
        return self._box.seal(json.dumps({"user_id": user_id, "expires": int(time.time()) + lifetime}), "oidc.done")

    def open_signed_in(self, sealed: str | None) -> int | None:
        data = self._open(sealed, "oidc.done")
        if data is None or not isinstance(data.get("user_id"), int) or data.get("expires", 0) < time.time():
            return None
        return int(data["user_id"])

    def _open(self, sealed: str | None, context: str) -> dict[str, Any] | None:
        if not sealed or len(sealed) > 4096:
            return None
        try:
            data = json.loads(self._box.open(sealed, context))
        except (InvalidTag, ValueError):
            return None
        return data if isinstance(data, dict) else None


class OpenIdProvider:
    """One organisation's OpenID provider, as the ``oidc_*`` settings describe it. Its configuration and keys are
    read once and kept (the keys read again when a token names one not yet known: the provider rotated them)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        self._secret = settings.oidc_client_secret
        self.scopes = settings.oidc_scopes
        self.settings = settings
        self.timeout = settings.oidc_timeout_seconds
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = asyncio.Lock()

    async def metadata(self) -> dict[str, Any]:
        """The provider's ``/.well-known/openid-configuration``, checked to name this issuer."""
        if self._metadata is None:
            async with self._lock:
                if self._metadata is None:
                    self._metadata = await self._discover()
        return self._metadata

    async def begin(self, redirect_uri: str, next_path: str) -> tuple[str, PendingSignIn]:
        """Where to send the browser (the provider's authorization endpoint with state, nonce and the PKCE
        challenge), and what the callback must find again."""
        metadata = await self.metadata()
        verifier = generate_token(64)  # RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~]
        pending = PendingSignIn(
            state=generate_token(32),
            nonce=generate_token(32),
            verifier=verifier,
            redirect_uri=redirect_uri,
            next_path=next_path,
            expires=int(time.time()) + PENDING_SECONDS,
        )
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=pending.state, code_verifier=verifier, nonce=pending.nonce
            )
        return url, pending

    async def identify(self, pending: PendingSignIn, code: str) -> Identity:
        """Exchange the code (with the PKCE verifier) for tokens and read who signed in from the ID token, once
        every check of it passed."""
        metadata = await self.metadata()
        async with self._client(pending.redirect_uri) as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.verifier,
                )
            except AuthlibBaseError as exc:  # the provider's own refusal (invalid_grant, a wrong verifier, ...)
                raise SignInRefused("token", str(exc)) from None
            except httpx2.HTTPError as exc:  # Authlib's client is an httpx2 client
                raise ProviderUnavailable(f"token endpoint: {exc!r}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("token", "the token response has no ID token")
        return self.identity(await self.claims(id_token, pending.nonce))

    async def claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce are right."""
        try:
            decoded = jwt.decode(id_token, await self._key_set(), algorithms=list(ID_TOKEN_ALGORITHMS))
        except InvalidKeyIdError:  # a key the provider published since: read the keys again, once
            try:
                decoded = jwt.decode(id_token, await self._key_set(refresh=True), algorithms=list(ID_TOKEN_ALGORITHMS))
            except (JoseError, ValueError) as exc:
                raise SignInRefused("id_token", repr(exc)) from None
        except (JoseError, ValueError) as exc:
            raise SignInRefused("id_token", repr(exc)) from None
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise SignInRefused("id_token", repr(exc)) from None
        if claims.get("nonce") != nonce:  # this browser's sign-in, not a token replayed from another
            raise SignInRefused("nonce", "the ID token's nonce is not this sign-in's")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.client_id:
            raise SignInRefused("id_token", "the ID token was issued to another party (azp)")
        return claims

    def identity(self, claims: dict[str, Any]) -> Identity:
        settings = self.settings
        username = str(claims.get(settings.oidc_username_claim) or "").strip().lower()
        if not USERNAME.match(username):
            raise SignInRefused("username", f"claim {settings.oidc_username_claim!r} is no usable account name")
        groups = claims.get(settings.oidc_groups_claim) or ()
        if isinstance(groups, str):
            groups = (groups,)
        return Identity(
            subject=str(claims["sub"]),
            username=username,
            full_name=_text(claims.get(settings.oidc_name_claim))[:200],
            unit=_text(claims.get(settings.oidc_unit_claim))[:200],
            groups=tuple(str(group) for group in groups if isinstance(group, str | int)),
        )

    # -- the provider's documents --

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self._secret.get_secret_value(),
            token_endpoint_auth_method="client_secret_basic",
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self.timeout,
        )

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"{what} {url}: {exc!r}") from None
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"{what} {url} is not a JSON object")
        return data

    async def _discover(self) -> dict[str, Any]:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = await self._get_json(url, "discovery")
        if metadata.get("issuer") != self.issuer:  # OpenID Connect Discovery 4.3: exactly the issuer asked for
            raise WrongProvider(
                f"{url} names the issuer {metadata.get('issuer')!r}, not ICABINET_OIDC_ISSUER {self.issuer!r}"
            )
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(name), str):
                raise WrongProvider(f"{url} has no {name}")
        methods = metadata.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise WrongProvider(f"{url}: the provider does not offer PKCE with S256")
        return metadata

    async def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            metadata = await self.metadata()
            data = await self._get_json(metadata["jwks_uri"], "keys")
            try:
                self._keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise ProviderUnavailable(f"keys {metadata['jwks_uri']}: {exc!r}") from None
        return self._keys


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()

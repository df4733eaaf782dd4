"""Directory login: bind to the organisation's LDAP (OpenLDAP, Active Directory) as the user, read who they are.

ldap3 is synchronous; each login runs in a thread (``asyncio.to_thread``) with the connection's own timeouts,
so a slow directory holds one thread, never the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
import warnings
from dataclasses import dataclass

from server.auth.external_users import highest_role
from server.settings import Settings

with warnings.catch_warnings():  # ldap3 2.9 imports pyasn1 names that pyasn1 0.6 deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls  # type: ignore[import-untyped]
    from ldap3.core.exceptions import LDAPException  # type: ignore[import-untyped]
    from ldap3.utils.conv import escape_filter_chars  # type: ignore[import-untyped]
    from ldap3.utils.dn import escape_rdn  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

# Active Directory's userAccountControl: the account is disabled
AD_ACCOUNT_DISABLE = 0x2


@dataclass(frozen=True)
class DirectoryPerson:
    """Who the directory says signed in."""

    dn: str
    full_name: str
    unit: str
    groups: tuple[str, ...]
    disabled: bool


def dn_key(dn: str) -> str:
    """A DN as settings and the directory may both spell it: case and spaces around the commas ignored."""
    return ",".join(part.strip() for part in dn.lower().split(","))


def _close(conn: Connection) -> None:
    """Unbind and close; a connection the directory or TLS already broke has nothing left to say. ldap3 leaves
    the socket of a refused connect open (it closes only what it opened), so it is closed here."""
    with contextlib.suppress(LDAPException):
        conn.unbind()
    sock = getattr(conn, "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()


class DirectoryUnavailable(Exception):
    """The directory could not be reached or refused TLS: nobody can be told their password is wrong."""


class Directory:
    """One organisation's directory, as the ``ldap_*`` settings describe it."""

    def __init__(self, settings: Settings) -> None:
        assert settings.ldap_url is not None
        self.settings = settings
        self.url = settings.ldap_url
        self.use_ssl = self.url.lower().startswith("ldaps://")
        self.start_tls = settings.ldap_start_tls and not self.use_ssl
        ca = str(settings.ldap_ca_file) if settings.ldap_ca_file else None
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca, version=ssl.PROTOCOL_TLS_CLIENT)
        # whole seconds: ldap3 packs the receive timeout into a socket option as an integer
        self.timeout = max(1, math.ceil(settings.ldap_timeout_seconds))
        timeout = self.timeout
        self.server = Server(self.url, use_ssl=self.use_ssl, tls=tls, connect_timeout=timeout, get_info=NONE)
        self.role_groups = {dn_key(dn): role for dn, role in settings.ldap_role_groups.items()}
        self.disabled_group = dn_key(settings.ldap_disabled_group) if settings.ldap_disabled_group else None

    async def authenticate(self, username: str, password: str) -> DirectoryPerson | None:
        """The person whose password this is, or None (unknown name or wrong password)."""
        if not password or not username:  # an empty password is an unauthenticated bind: it always "succeeds"
            return None
        return await asyncio.to_thread(self._authenticate, username, password)

    async def check(self) -> None:
        """At start: reach the directory, set up TLS and (with a service account) bind; raises ``ValueError``
        for settings the directory refuses, ``DirectoryUnavailable`` when it cannot be reached."""
        await asyncio.to_thread(self._check)

    def role_for(self, person: DirectoryPerson) -> str | None:
        """The highest role any of the person's groups maps to; ``member`` or None (refused) for none."""
        keys = [dn_key(group) for group in person.groups]
        return highest_role(keys, self.role_groups, self.settings.ldap_unmapped)

    # -- in a thread --

    def _connection(self, user: str | None = None, password: str | None = None) -> Connection:
        conn = Connection(
            self.server,
            user=user,
            password=password,
            receive_timeout=self.timeout,
            raise_exceptions=False,
            read_only=True,
        )
        try:
            conn.open()
            if self.start_tls:
                conn.start_tls()
        except LDAPException as exc:
            _close(conn)
            raise DirectoryUnavailable(f"{self.url}: {exc}") from None
        return conn

    def _check(self) -> None:
        settings = self.settings
        conn = self._connection(settings.ldap_bind_dn, settings.ldap_bind_password)
        try:
            if settings.ldap_bind_dn is not None and not conn.bind():
                raise ValueError(
                    f"the directory refused ICABINET_LDAP_BIND_DN {settings.ldap_bind_dn!r}: "
                    f"{conn.result.get('description')}"
                )
        finally:
            _close(conn)

    def _user_dn(self, username: str) -> str | None:
        settings = self.settings
        if settings.ldap_user_dn_template is not None:
            return settings.ldap_user_dn_template.replace("{username}", escape_rdn(username))
        assert settings.ldap_search_base is not None
        conn = self._connection(settings.ldap_bind_dn, settings.ldap_bind_password)
        try:
            if settings.ldap_bind_dn is not None and not conn.bind():
                raise DirectoryUnavailable(f"the service account was refused: {conn.result.get('description')}")
            query = settings.ldap_user_filter.replace("{username}", escape_filter_chars(username))
            conn.search(settings.ldap_search_base, query, SUBTREE, attributes=[], size_limit=2)
            found = [entry.entry_dn for entry in conn.entries]
        finally:
            _close(conn)
        return found[0] if len(found) == 1 else None  # two people under one name: neither is guessed

    def _authenticate(self, username: str, password: str) -> DirectoryPerson | None:
        dn = self._user_dn(username)
        if dn is None:
            return None
        conn = self._connection(dn, password)
        try:
            if not conn.bind():
                if conn.result.get("result") != 49:  # anything but invalidCredentials is the directory's problem
                    log.warning("directory bind failed: %s", conn.result.get("description"))
                return None
            return self._read_person(conn, dn, username)
        finally:
            _close(conn)

    def _read_person(self, conn: Connection, dn: str, username: str) -> DirectoryPerson:
        settings = self.settings
        name_attribute, unit_attribute = settings.ldap_display_name_attribute, settings.ldap_unit_attribute
        attributes = [name_attribute, "cn", unit_attribute, "memberOf", "pwdAccountLockedTime", "userAccountControl"]
        conn.search(dn, "(objectClass=*)", BASE, attributes=attributes)
        entry = conn.response[0]["attributes"] if conn.response else {}

        def first(name: str) -> str:
            """The attribute's first value as text (without the schema, ldap3 may give a list, bytes or str)."""
            value = entry.get(name)
            if isinstance(value, list):
                value = value[0] if value else ""
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            return str(value or "")

        if settings.ldap_group_search_base is not None:
            query = settings.ldap_group_filter.replace("{dn}", escape_filter_chars(dn)).replace(
                "{username}", escape_filter_chars(username)
            )
            conn.search(settings.ldap_group_search_base, query, SUBTREE, attributes=[])
            groups = tuple(str(item["dn"]) for item in conn.response or () if item.get("type") == "searchResEntry")
        else:
            groups = tuple(str(group) for group in entry.get("memberOf") or ())
        account_control = first("userAccountControl")
        disabled = (
            bool(first("pwdAccountLockedTime"))
            or (account_control.isdigit() and bool(int(account_control) & AD_ACCOUNT_DISABLE))
            or (self.disabled_group is not None and self.disabled_group in {dn_key(group) for group in groups})
        )
        return DirectoryPerson(
            dn=dn,
            full_name=first(name_attribute) or first("cn"),
            unit=first(unit_attribute),
            groups=groups,
            disabled=disabled,
        )

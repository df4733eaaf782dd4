"""A real OpenLDAP server (Debian's ``slapd``) in a temporary directory, on a free 127.0.0.1 port, with StartTLS
under a test CA made here, and a small directory of people and groups.

People (password ``<uid>-ldap-pass``):

- ``an.nguyen``: in ``icabinet-admins`` (mapped to admin by the tests)
- ``binh.tran``: in ``icabinet-secretaries``
- ``chi.le``: in ``staff`` only (a group no setting maps)
- ``dung.pham``: in ``icabinet-secretaries`` and in ``disabled`` (the directory's switched-off accounts)
- ``giang.vo``: in ``icabinet-chairs``
- ``hoa.dang``: in ``icabinet-secretaries``, switched off as Active Directory does it (``userAccountControl``)
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.server import free_port, stop_process

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
BASE = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "directory-admin-pass"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"

# uid -> (display name, unit, groups)
USERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "an.nguyen": ("Nguyễn Văn An", "Văn phòng UBND", ("icabinet-admins",)),
    "binh.tran": ("Trần Thị Bình", "Sở Nội vụ", ("icabinet-secretaries",)),
    "chi.le": ("Lê Minh Chi", "Sở Tài chính", ("staff",)),
    "dung.pham": ("Phạm Quốc Dũng", "Sở Xây dựng", ("icabinet-secretaries", "disabled")),
    "giang.vo": ("Võ Hương Giang", "Văn phòng UBND", ("icabinet-chairs",)),
    "hoa.dang": ("Đặng Thu Hoa", "Sở Y tế", ("icabinet-secretaries",)),
}
# Active Directory's way of switching an account off: userAccountControl with ACCOUNTDISABLE (0x2) set
ACCOUNT_CONTROL = {"hoa.dang": 514}
GROUP_NAMES = ("icabinet-admins", "icabinet-secretaries", "icabinet-chairs", "staff", "disabled")


def password_of(uid: str) -> str:
    return f"{uid}-ldap-pass"


def user_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


@dataclass(frozen=True)
class Directory:
    """A running slapd: where to reach it and the CA its certificate chains to."""

    url: str
    ca_file: Path
    ldaps_url: str
    """The same directory over LDAPS (TLS from the first byte)."""
    wrong_name_url: str
    """The same directory at 127.0.0.2, a name its certificate does not carry."""

    def settings(self, **more: object) -> dict[str, object]:
        """The ``ldap_*`` settings (``Settings`` keyword arguments) that point a server at it."""
        roles = {
            group_dn("icabinet-admins"): "admin",
            group_dn("icabinet-secretaries"): "secretary",
            group_dn("icabinet-chairs"): "member",
        }
        return {
            "ldap_url": self.url,
            "ldap_start_tls": True,
            "ldap_ca_file": self.ca_file,
            "ldap_user_dn_template": f"uid={{username}},{PEOPLE}",
            "ldap_group_search_base": GROUPS,
            "ldap_role_groups": roles,
            "ldap_disabled_group": group_dn("disabled"),
            "ldap_unit_attribute": "ou",
            **more,
        }

    def change_membership(self, group: str, uid: str, *, add: bool) -> None:
        """Add ``uid`` to ``group`` or take them out, as the directory's administrator."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # ldap3's imports of pyasn1 names
            from ldap3 import MODIFY_ADD, MODIFY_DELETE, Connection, Server, Tls

            tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_file))
            conn = Connection(Server(self.url, tls=tls), user=ADMIN_DN, password=ADMIN_PASSWORD)
            conn.open()
            conn.start_tls()
            try:
                assert conn.bind(), conn.result
                change = MODIFY_ADD if add else MODIFY_DELETE
                assert conn.modify(group_dn(group), {"member": [(change, [user_dn(uid)])]}), conn.result
            finally:
                conn.unbind()

    def rename(self, uid: str, display_name: str) -> None:
        """Give ``uid`` another display name, as the directory's administrator."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # ldap3's imports of pyasn1 names
            from ldap3 import MODIFY_REPLACE, Connection, Server, Tls

            tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_file))
            conn = Connection(Server(self.url, tls=tls), user=ADMIN_DN, password=ADMIN_PASSWORD)
            conn.open()
            conn.start_tls()
            try:
                assert conn.bind(), conn.result
                assert conn.modify(user_dn(uid), {"displayName": [(MODIFY_REPLACE, [display_name])]}), conn.result
            finally:
                conn.unbind()

    def env(self, **more: object) -> dict[str, str]:
        """The same as ``ICABINET_*`` values (without the prefix), for a server process."""
        return {
            key: json.dumps(value)
            if isinstance(value, dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
            for key, value in self.settings(**more).items()
        }


def _ldif() -> str:
    entries = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example City\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
    ]
    for uid, (name, unit, groups) in USERS.items():
        surname = name.split()[0]
        entries.append(
            f"dn: {user_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\nsn: {surname}\n"
            f"displayName: {name}\nou: {unit}\nuserPassword: {password_of(uid)}\n"
            + "".join(f"memberOf: {group_dn(group)}\n" for group in groups)
            + (
                f"objectClass: extensibleObject\nuserAccountControl: {ACCOUNT_CONTROL[uid]}\n"
                if uid in ACCOUNT_CONTROL
                else ""
            )
        )
    for group in GROUP_NAMES:
        members = "".join(f"member: {user_dn(uid)}\n" for uid, (*_, groups) in USERS.items() if group in groups)
        entries.append(f"dn: {group_dn(group)}\nobjectClass: groupOfNames\ncn: {group}\n{members}")
    return "\n".join(entries)


def _write_tls(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for 127.0.0.1 and localhost, signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "i-Cabinet test directory CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


def _config(folder: Path, ca: Path, cert: Path, key: Path) -> str:
    schemas = "".join(f"include {SCHEMA_DIR / name}.schema\n" for name in ("core", "cosine", "inetorgperson", "nis"))
    # Active Directory's one attribute the tests need (the whole msuser.schema would also define memberOf)
    ad_schema = folder / "ad.schema"
    ad_schema.write_text(
        "attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'\n"
        "  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )\n"
    )
    return f"""{schemas}include {ad_schema}
pidfile {folder}/slapd.pid
modulepath {MODULE_DIR}
moduleload back_mdb
moduleload memberof
TLSCACertificateFile {ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}

database mdb
suffix "{BASE}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {folder}/db
maxsize 16777216
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by anonymous auth
# each person's memberOf, as Active Directory keeps it (for the settings without a group search)
overlay memberof
"""


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(600):  # up to a minute on a loaded machine
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited with {process.returncode}: {log.read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"slapd did not listen on {port}: {log.read_text()}")


@contextmanager
def running_slapd(folder: Path) -> Iterator[Directory]:
    """Start slapd with the people and groups above; stop it (and remove nothing: ``folder`` is the test's)."""
    if not SLAPD.exists():
        raise RuntimeError("Debian's slapd is not installed (make system-deps)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "db").mkdir()
    ca, cert, key = _write_tls(folder)
    config = folder / "slapd.conf"
    config.write_text(_config(folder, ca, cert, key))
    ldif = folder / "directory.ldif"
    ldif.write_text(_ldif(), encoding="utf-8")
    added = subprocess.run(
        [str(SLAPADD), "-f", str(config), "-l", str(ldif)], capture_output=True, text=True, timeout=60
    )
    if added.returncode != 0:
        raise RuntimeError(f"slapadd failed: {added.stderr}")
    port, tls_port = free_port(), free_port()
    listeners = f"ldap://127.0.0.1:{port}/ ldap://127.0.0.2:{port}/ ldaps://127.0.0.1:{tls_port}/"
    log = folder / "slapd.log"
    with log.open("wb") as out:
        # -d 0: stay in the foreground (so this process owns it) and log nothing but errors
        process = subprocess.Popen(
            [str(SLAPD), "-f", str(config), "-h", listeners, "-d", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, process, log)
        _wait_for_port(tls_port, process, log)
        yield Directory(
            url=f"ldap://localhost:{port}",
            ca_file=ca,
            ldaps_url=f"ldaps://127.0.0.1:{tls_port}",
            wrong_name_url=f"ldap://127.0.0.2:{port}",
        )
    finally:
        stop_process(process)


def ldap_tools_installed() -> bool:
    return SLAPD.exists() and shutil.which("slapadd") is not None or SLAPADD.exists()

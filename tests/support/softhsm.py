"""Real PKCS#11 tokens (Debian's SoftHSM2) holding keys whose certificates a test CA issued.

`softhsm_tokens(directory)` writes a SoftHSM2 configuration and token directory under `directory`, points
``SOFTHSM2_CONF`` at it (SoftHSM reads only that variable), makes a test root CA with cryptography, and for
each person initialises a token (``softhsm2-util``), generates an RSA key pair on it (python-pkcs11), issues
the key a certificate from the CA and stores the certificate on the token beside the key.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.rsa import encode_rsa_public_key

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
SO_PIN = "87654321"


@dataclass(frozen=True)
class Token:
    """One person's token: its label, the PIN, the key's label and the certificate issued to it."""

    username: str
    common_name: str
    label: str
    pin: str
    key_label: str
    certificate: x509.Certificate


@dataclass(frozen=True)
class SigningPki:
    module: Path
    ca_certificate: x509.Certificate
    ca_path: Path
    tokens: dict[str, Token]


def _name(common_name: str, organisation: str = "UBND Thành phố Thử nghiệm") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name("CA Thử nghiệm Chính phủ", "Ban Cơ yếu Thử nghiệm")
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _issue(
    ca_key: rsa.RSAPrivateKey, ca: x509.Certificate, public_key: rsa.RSAPublicKey, common_name: str
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digital signature and non-repudiation, as a signing certificate from a Vietnamese CA carries
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _labels(username: str) -> tuple[str, str, str]:
    return f"token-{username}", f"{username}-pin-2468", f"key-{username}"


def _init_token(username: str) -> None:
    label, pin, _ = _labels(username)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
    )


def _make_key(ca_key: rsa.RSAPrivateKey, ca: x509.Certificate, username: str, name: str) -> Token:
    label, pin, key_label = _labels(username)
    token = pkcs11.lib(str(MODULE)).get_token(token_label=label)
    with token.open(user_pin=pin, rw=True) as session:
        key_id = username.encode()
        public, _ = session.generate_keypair(KeyType.RSA, 2048, id=key_id, label=key_label, store=True)
        public_key = serialization.load_der_public_key(encode_rsa_public_key(public))
        assert isinstance(public_key, rsa.RSAPublicKey)
        certificate = _issue(ca_key, ca, public_key, name)
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: key_label,
                Attribute.ID: key_id,
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
            }
        )
    return Token(username, name, label, pin, key_label, certificate)


@contextmanager
def softhsm_tokens(directory: Path, people: dict[str, str]) -> Iterator[SigningPki]:
    """Tokens for `people` (username -> name on the certificate) under `directory`, with SOFTHSM2_CONF set
    while the context lasts. Once per process: SoftHSM reads the configuration when the module is first
    initialised, and python-pkcs11 loads it once."""
    token_dir = directory / "tokens"
    token_dir.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {token_dir}\nobjectstore.backend = file\nlog.level = ERROR\n")
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        ca_key, ca = _ca()
        ca_path = directory / "test-ca.pem"
        ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        # every token before the module is loaded: SoftHSM reads its token directory when first initialised
        for user in people:
            _init_token(user)
        tokens = {user: _make_key(ca_key, ca, user, name) for user, name in people.items()}
        yield SigningPki(MODULE, ca, ca_path, tokens)
    finally:
        if before is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = before

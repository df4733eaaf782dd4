"""PAdES signatures on PDFs (pyHanko): sign approved minutes, verify a copy was not altered.

The embedded default signs with a self-signed certificate for the organisation, made on first use
(`ensure_certificate`); a real certificate is loaded with `load_identity`. `verify_pdf` trusts the given
certificate only, so a copy signed by anyone else, or changed after signing, does not validate.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from documents.errors import InvalidDocument

KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"
VALID_YEARS = 10


@dataclass(frozen=True)
class SigningIdentity:
    """A key and its certificate (PEM files), ready to sign."""

    key_path: Path
    cert_path: Path
    password: bytes | None = None

    def certificate_pem(self) -> bytes:
        """The certificate, for a verifier to trust."""
        return self.cert_path.read_bytes()


@dataclass(frozen=True)
class Verification:
    """What checking a signed PDF found; `valid` means intact and signed by the trusted certificate."""

    valid: bool
    intact: bool
    signer: str
    signed_at: dt.datetime | None
    reason: str


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def ensure_certificate(directory: Path, organisation: str) -> SigningIdentity:
    """The organisation's self-signed identity in `directory`, made on the first call (key file mode 0600)."""
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    if key_path.exists() and cert_path.exists():
        return SigningIdentity(key_path, cert_path)
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64] or "i-Cabinet"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} - i-Cabinet"[:64]),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_atomically(key_path, key_pem, 0o600)
    _write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return SigningIdentity(key_path, cert_path)


def load_identity(key_path: Path, cert_path: Path, password: bytes | None = None) -> SigningIdentity:
    """A real certificate from settings; raises `InvalidDocument` when the files cannot be used."""
    _signer(SigningIdentity(key_path, cert_path, password))
    return SigningIdentity(key_path, cert_path, password)


def _signer(identity: SigningIdentity) -> signers.SimpleSigner:
    signer: signers.SimpleSigner | None = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(identity.key_path), str(identity.cert_path), key_passphrase=identity.password
    )
    if signer is None:
        raise InvalidDocument(
            "signing_identity",
            f"the signing key {identity.key_path} or certificate {identity.cert_path} cannot be read",
            f"không đọc được khóa ký {identity.key_path} hoặc chứng thư {identity.cert_path}",
        )
    return signer


def sign_pdf(pdf: bytes, identity: SigningIdentity, *, reason: str, location: str, name: str) -> bytes:
    """`pdf` with a PAdES signature by `identity` appended as an incremental update."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
    )
    output: BytesIO = signers.sign_pdf(writer, metadata, signer=_signer(identity))
    return output.getvalue()


def verify_pdf(pdf: bytes, trusted_cert_pem: bytes | None) -> Verification:
    """Check the PDF's signatures: all intact and (with `trusted_cert_pem`) by that certificate.

    A PDF without a signature, or one changed after signing, is not valid; bytes that are not a PDF
    raise `InvalidDocument`.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise InvalidDocument("not_pdf", "not a readable PDF", "không phải tệp PDF đọc được", detail=str(exc)) from exc
    if not signatures:
        return Verification(False, False, "", None, "no signature")
    roots = [x509.load_pem_x509_certificate(trusted_cert_pem)] if trusted_cert_pem else []
    context = ValidationContext(trust_roots=[_asn1(cert) for cert in roots], allow_fetching=False)
    valid = intact = True
    signer = reason = ""
    signed_at = None
    for signature in signatures:
        try:
            status = validate_pdf_signature(signature, context)
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            return Verification(False, False, "", None, f"unreadable signature ({exc})")
        intact = intact and status.intact
        valid = valid and status.bottom_line
        signer = status.signing_cert.subject.human_friendly
        signed_at = status.signer_reported_dt
        reason = str(signature.sig_object.get("/Reason", ""))
    return Verification(valid, intact, signer, signed_at, reason)


def _asn1(cert: x509.Certificate):  # type: ignore[no-untyped-def]
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

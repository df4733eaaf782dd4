"""PAdES signatures on PDFs with pyHanko: sign the approved minutes, check that a copy was not altered.

The embedded default signs with a self-signed certificate for the organisation, made on first use
(`ensure_certificate`); a real certificate from a settings path is loaded with `load_identity`.
`verify_pdf` trusts only the certificates it is given (the organisation's, and the CAs it configures), so
a copy signed by anyone else, or changed after signing, does not validate; it reports each signature.

pyHanko's synchronous calls run their own event loop (`asyncio.run`): from async code, call `sign_pdf`
and `verify_pdf` in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from documents.errors import InvalidDocument
from documents.files import write_atomically

KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"
VALID_YEARS = 10
SIGNATURE_FIELD = "Signature1"


class InvalidIdentity(ValueError):
    """The signing key or certificate cannot be read (missing, wrong password, not PEM/DER)."""


@dataclass(frozen=True)
class SigningIdentity:
    """A private key and its certificate (PEM or DER files), ready to sign with."""

    key_path: Path
    cert_path: Path
    password: bytes | None = None

    def certificate_pem(self) -> bytes:
        """The certificate's file as is: what a verifier trusts."""
        return self.cert_path.read_bytes()


@dataclass(frozen=True)
class SignatureReport:
    """One signature of a PDF, as checked.

    `field`: the signature field's name; `signer`: the common name on the signing certificate; `chain`: the
    common names from the signer's certificate to the trust anchor it chains to (just the signer's when it
    chains to none); `trusted`: the chain ends at a trusted certificate; `intact`: the bytes it signed are
    unchanged; `modified_after`: the file goes on after this signature's revision (a later signature, or
    anything else); `changes_allowed`: what follows is only filling signature fields (or nothing);
    `valid`: pyHanko's bottom line, all of these together.
    """

    field: str
    signer: str
    signed_at: dt.datetime | None
    reason: str
    chain: tuple[str, ...]
    trusted: bool
    intact: bool
    modified_after: bool
    changes_allowed: bool
    valid: bool


@dataclass(frozen=True)
class Verification:
    """What checking a PDF's signatures found.

    `valid`: every signature is intact, made by a trusted certificate and followed by no unsafe change;
    `intact`: the signed bytes are unchanged (whoever signed them). `signer`, `signed_at` and `reason`
    describe the last signature ("" and None when there is none); `signatures` each, in signing order.
    """

    valid: bool
    intact: bool
    signer: str
    signed_at: dt.datetime | None
    reason: str
    signatures: tuple[SignatureReport, ...] = ()


def ensure_certificate(directory: Path, organisation: str) -> SigningIdentity:
    """The organisation's self-signed identity in `directory`: made on the first call, loaded after.

    RSA-2048, subject O=`organisation`, CN=`organisation` + " - i-Cabinet", valid ten years, key usage
    digital signature and non-repudiation. Both files are written with mode 0600 (the server's user only),
    atomically, in a directory of mode 0700.
    """
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    if key_path.is_file() and cert_path.is_file():
        return SigningIdentity(key_path, cert_path)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # X.520 caps O and CN at 64 characters; cryptography refuses longer values.
    organisation = organisation.strip()[:52] or "i-Cabinet"
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} - i-Cabinet"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # tolerate a verifier's clock a little behind
        .not_valid_after(now + dt.timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation: pyHanko requires it of a signer by default
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
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
    # The key first: a certificate without its key must never be taken for a complete identity.
    write_atomically(key_path, key_pem, 0o600)
    write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o600)
    return SigningIdentity(key_path, cert_path)


def load_identity(key_path: Path, cert_path: Path, password: bytes | None = None) -> SigningIdentity:
    """A real certificate and its key (PEM or DER; `password` for an encrypted key), checked now.

    Raises `InvalidIdentity` when either file cannot be read or the password is wrong.
    """
    identity = SigningIdentity(key_path, cert_path, password)
    key_file_signer(identity)
    return identity


def sign_pdf(pdf: bytes, identity: SigningIdentity, *, reason: str, location: str, name: str) -> bytes:
    """`pdf` with an invisible PAdES (B-B) signature by `identity`, appended as an incremental update.

    The original bytes stay as they were, so the signed file still opens everywhere the original did.
    """
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    output: BytesIO = signers.PdfSigner(metadata, signer=key_file_signer(identity)).sign_pdf(writer)
    return output.getvalue()


def verify_pdf(pdf: bytes, trusted_cert_pem: bytes | None) -> Verification:
    """Check every signature of `pdf` against the certificates in `trusted_cert_pem` (one or several, PEM or
    DER): the organisation's own and the certification authorities it trusts.

    A PDF without a signature, one changed after signing, or one signed by a certificate that chains to none
    of them gives `valid=False`; with `trusted_cert_pem=None` nothing is trusted, so `valid` is False and
    `intact` still says whether the signed bytes are unchanged. Bytes that are not a PDF raise
    `InvalidDocument("not_pdf")`.
    """
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
    except Exception as exc:  # pyHanko's parser raises many kinds on hostile input, as pypdf's does
        raise InvalidDocument(
            "not_pdf",
            "The file is not a readable PDF, so its signature cannot be checked.",
            "Tệp không phải là tệp PDF đọc được nên không thể kiểm tra chữ ký.",
            detail=f"{type(exc).__name__}: {exc}"[:300],
        ) from exc
    if not signatures:
        return Verification(valid=False, intact=False, signer="", signed_at=None, reason="")
    # a generator: listed once, or only the first signature would be checked against them
    roots = list(load_certs_from_pemder_data(trusted_cert_pem)) if trusted_cert_pem else []
    reports = []
    for signature in signatures:
        context = ValidationContext(trust_roots=list(roots), allow_fetching=False)
        try:
            status = validate_pdf_signature(signature, context)
        except Exception:  # a damaged signature dictionary or CMS blob is a failed check, not a crash
            return Verification(valid=False, intact=False, signer="", signed_at=None, reason="")
        reports.append(_report(signature.field_name, str(signature.sig_object.get("/Reason", "")), status))
    last = reports[-1]
    return Verification(
        valid=all(report.valid for report in reports),
        intact=all(report.intact for report in reports),
        signer=last.signer,
        signed_at=last.signed_at,
        reason=last.reason,
        signatures=tuple(reports),
    )


def _report(field: str, reason: str, status: PdfSignatureStatus) -> SignatureReport:
    if status.validation_path is not None:
        chain = tuple(common_name(cert.subject.native) for cert in status.validation_path.iter_certs(True))[::-1]
    else:
        chain = (common_name(status.signing_cert.subject.native),)
    level = status.modification_level
    return SignatureReport(
        field=field,
        signer=common_name(status.signing_cert.subject.native),
        signed_at=status.signer_reported_dt,
        reason=reason,
        chain=chain,
        trusted=status.trusted,
        intact=status.intact,
        modified_after=status.coverage != SignatureCoverageLevel.ENTIRE_FILE,
        changes_allowed=status.docmdp_ok is not False and (level is None or level <= ModificationLevel.FORM_FILLING),
        valid=status.bottom_line,
    )


def key_file_signer(identity: SigningIdentity) -> signers.SimpleSigner:
    """pyHanko's signer for the key and certificate files of `identity` (`InvalidIdentity` when unreadable)."""
    # SimpleSigner.load logs and returns None (rather than raising) when a file cannot be used.
    signer: signers.SimpleSigner | None = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(identity.key_path), str(identity.cert_path), key_passphrase=identity.password
    )
    if signer is None:
        raise InvalidIdentity(f"cannot read the signing key {identity.key_path} or certificate {identity.cert_path}")
    return signer


def common_name(subject: object) -> str:
    """The common name (else the organisation) of a certificate subject as asn1crypto's `native` dict."""
    if isinstance(subject, dict):
        return str(subject.get("common_name") or subject.get("organization_name") or "")
    return ""

"""Who signs the approved minutes, with which key, and what a copy is checked against.

With ``personal_signatures`` on, approval renders the PDF with two empty signature fields in the Decree 30
blocks, ``secretary`` then ``chair`` (the order assistant/minutes.py drafts them in), and the secretary
(người ghi biên bản), then the chair (chủ tọa) each fill theirs (MinutesService.sign). Off, approval signs
once with the organisation's key, in an invisible field. Which key a person signs with is `signer_for`'s
choice: their PKCS#11 token when ``pkcs11_keys`` names one, else the organisation's key (docs/signing.md).
"""

from __future__ import annotations

from io import BytesIO

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader

from assistant.minutes_content import MinutesContent
from assistant.minutes_render import serif_font_paths, to_pdf_with_signature_boxes
from documents.sign import SigningIdentity, Verification, ensure_certificate, load_identity, verify_pdf
from documents.signers import (
    OrganisationKeySigner,
    PdfSigner,
    Pkcs11Signer,
    SignatureField,
    add_signature_fields,
)
from server.errors import Invalid
from server.settings import Settings

SECRETARY_FIELD, CHAIR_FIELD = "secretary", "chair"
SIGNING_ORDER = (SECRETARY_FIELD, CHAIR_FIELD)


def signing_identity(settings: Settings) -> SigningIdentity:
    """The configured certificate, or the organisation's self-signed one (made on first use)."""
    if settings.signing_key_path and settings.signing_cert_path:
        password = settings.signing_key_password.encode() if settings.signing_key_password else None
        return load_identity(settings.signing_key_path, settings.signing_cert_path, password)
    return ensure_certificate(settings.data_dir / "signing", settings.organisation_name)


def trusted_certificates(settings: Settings) -> bytes:
    """PEM of every certificate a signature on the minutes may chain to: the organisation's own and the
    configured trust anchors (each file PEM, with one or several certificates, or DER)."""
    pems = [signing_identity(settings).certificate_pem().strip()]
    for path in settings.signing_trust_anchors:
        data = path.read_bytes()
        certificates = (
            x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
        )
        pems += [certificate.public_bytes(Encoding.PEM).strip() for certificate in certificates]
    return b"\n".join(pems) + b"\n"


def verify_signed(settings: Settings, pdf: bytes) -> Verification:
    """Check every signature of `pdf` against the organisation's certificate and the trust anchors."""
    return verify_pdf(pdf, trusted_certificates(settings))


def prepare_for_signatures(content: MinutesContent) -> bytes:
    """The approved minutes' PDF with an empty signature field in the secretary's and the chair's block
    (invisible where the content has fewer blocks: someone removed them in an edit)."""
    pdf, boxes = to_pdf_with_signature_boxes(content)
    wanted = [
        SignatureField(name, boxes[index].page, boxes[index].box) if index < len(boxes) else SignatureField(name)
        for index, name in enumerate(SIGNING_ORDER)
    ]
    return add_signature_fields(pdf, wanted)


def signed_fields(pdf: bytes) -> list[str]:
    """The names of the filled signature fields of `pdf`, in signing order."""
    return [str(signature.field_name) for signature in PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures]


def signer_for(settings: Settings, username: str, pin: str | None) -> PdfSigner:
    """The key `username` signs with: their token when ``pkcs11_keys`` names one (the PIN required), else the
    organisation's key."""
    font = serif_font_paths()[0]
    key = settings.pkcs11_keys.get(username)
    if key is None or settings.pkcs11_module is None:
        return OrganisationKeySigner(signing_identity(settings), font)
    if not pin:
        raise Invalid("Type your signing token's PIN", "Hãy nhập mã PIN của thiết bị ký số")
    return Pkcs11Signer(settings.pkcs11_module, key.token_label, key.key_label, key.cert_label, pin, font)

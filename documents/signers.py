"""Who signs a PDF, and with what key: one small interface, `PdfSigner`, and its implementations.

`PdfSigner.sign(pdf, field, ...)` fills the named (empty) signature field of `pdf` with a PAdES (B-B)
signature appended as an incremental update and returns a `SignedPdf`: the new bytes, the signer's name and
certificate. Two implementations:

- `OrganisationKeySigner`: the organisation's key file (documents.sign.SigningIdentity), as the single
  approval signature has always been made;
- `Pkcs11Signer`: a key on a PKCS#11 token or HSM through pyHanko's PKCS#11 support (python-pkcs11); the
  PIN is given for one signing and kept nowhere.

A remote-signing service (a CA's cloud signing) is one more class: a `pyhanko.sign.signers.Signer`
subclass whose `async_sign_raw` sends the digest to the service, wrapped by `sign_with` as the two here are
(docs/signing.md).

`add_signature_fields` puts the empty fields where the minutes' signature blocks are, before anyone signs.
pyHanko's synchronous calls run their own event loop: from async code, call these in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

import pkcs11
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.stamp import TextStampStyle

from documents.sign import SigningIdentity, common_name, key_file_signer

# a signature field's visible stamp: the name the server gives (the signer's display name) and the time
STAMP_TEXT = "Đã ký số / Digitally signed\n%(signer)s\n%(ts)s"


class SigningFailed(Exception):
    """A signature could not be made: `code` for a client ("wrong_pin", "pin_locked", "no_token", "no_key",
    "no_field", "token_error"), `message_en`/`message_vi` to show, `detail` for logs (never a PIN)."""

    def __init__(self, code: str, message_en: str, message_vi: str, *, detail: str = "") -> None:
        super().__init__(message_en)
        self.code, self.message_en, self.message_vi, self.detail = code, message_en, message_vi, detail


@dataclass(frozen=True)
class SignedPdf:
    """What a signer hands back: the signed bytes, the name on its certificate and the certificate (DER)."""

    pdf: bytes
    signer: str
    certificate_der: bytes


@dataclass(frozen=True)
class SignatureField:
    """An empty signature field to add: its name, page (0-based) and rectangle, None for an invisible one."""

    name: str
    page: int = 0
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class SignatureText:
    """What a signature says besides the certificate: why, where, and the name shown in its stamp."""

    reason: str
    location: str
    name: str


class PdfSigner(Protocol):
    """Sign the field `field` of `pdf` as one person (or the organisation) and return the signed bytes."""

    def sign(self, pdf: bytes, field: str, text: SignatureText) -> SignedPdf: ...


def add_signature_fields(pdf: bytes, wanted: list[SignatureField]) -> bytes:
    """`pdf` with the empty signature fields `wanted`, added in one incremental update before any signing
    (so that no signature's revision is followed by a new field)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    for field in wanted:
        spec = fields.SigFieldSpec(sig_field_name=field.name, on_page=field.page, box=field.box)
        fields.append_signature_field(writer, spec)
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def sign_with(
    signer: signers.Signer, pdf: bytes, field: str, text: SignatureText, font: Path | None = None
) -> SignedPdf:
    """Fill `field` of `pdf` with a PAdES signature made by pyHanko's `signer`; a visible field gets a stamp
    with the signer's name and the time, in `font` (a TTF with Vietnamese glyphs) when given."""
    reader = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    if field not in {name for name, _, _ in fields.enumerate_sig_fields(reader.prev, filled_status=False)}:
        raise SigningFailed(
            "no_field",
            f"The PDF has no empty signature field {field!r}: it was signed there already or not prepared",
            f"Tệp PDF không có ô chữ ký trống {field!r}: ô đã được ký hoặc chưa được chuẩn bị",
        )
    metadata = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=text.reason,
        location=text.location,
        name=text.name,
    )
    stamp = TextStampStyle(stamp_text=STAMP_TEXT, border_width=0)
    if font is not None:  # pyHanko's default Courier has no Vietnamese letters
        box = TextBoxStyle(font=_FontFile(str(font)), font_size=9)
        stamp = TextStampStyle(stamp_text=STAMP_TEXT, border_width=0, text_box_style=box)
    pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=stamp)
    output: BytesIO = pdf_signer.sign_pdf(reader)
    certificate = signer.signing_cert
    if certificate is None:
        raise SigningFailed("no_key", "The signer has no certificate", "Người ký không có chứng thư số")
    return SignedPdf(output.getvalue(), common_name(certificate.subject.native), certificate.dump())


class _FontFile(GlyphAccumulatorFactory):
    """pyHanko's TTF embedding, reading the file into memory: its own factory leaves the file open."""

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        return GlyphAccumulator(
            writer=writer,
            font_handle=BytesIO(Path(self.font_file).read_bytes()),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


@dataclass(frozen=True)
class OrganisationKeySigner:
    """The organisation's key and certificate files (the default where no token is configured)."""

    identity: SigningIdentity
    font: Path | None = None

    def sign(self, pdf: bytes, field: str, text: SignatureText) -> SignedPdf:
        return sign_with(key_file_signer(self.identity), pdf, field, text, self.font)


@dataclass(frozen=True)
class Pkcs11Signer:
    """A key on a PKCS#11 token: `module` (e.g. /usr/lib/softhsm/libsofthsm2.so or the token vendor's),
    the token's label, the key's label and its certificate's label (the key's label when None).

    `pin` opens the token for this one signing; it is never logged or kept past this object, which the
    caller makes per request. `repr` leaves it out.
    """

    module: Path
    token_label: str
    key_label: str
    cert_label: str | None
    pin: str
    font: Path | None = None

    def __repr__(self) -> str:
        return f"Pkcs11Signer(module={str(self.module)!r}, token_label={self.token_label!r}, key={self.key_label!r})"

    def sign(self, pdf: bytes, field: str, text: SignatureText) -> SignedPdf:
        try:
            session = open_pkcs11_session(
                str(self.module), token_criteria=TokenCriteria(label=self.token_label), user_pin=self.pin
            )
        except pkcs11.exceptions.PinIncorrect as exc:
            raise SigningFailed(
                "wrong_pin", "Wrong PIN for the signing token", "Mã PIN của thiết bị ký số không đúng"
            ) from exc
        except pkcs11.exceptions.PinLocked as exc:
            raise SigningFailed(
                "pin_locked",
                "The signing token's PIN is locked: ask the certificate's issuer to unlock it",
                "Mã PIN của thiết bị ký số đã bị khóa: hãy liên hệ đơn vị cấp chứng thư số để mở khóa",
            ) from exc
        except (pkcs11.exceptions.PKCS11Error, SigningError, OSError, RuntimeError) as exc:
            raise SigningFailed(
                "no_token",
                f"The signing token {self.token_label!r} cannot be opened",
                f"Không mở được thiết bị ký số {self.token_label!r}",
                detail=f"{type(exc).__name__}: {exc}"[:300],
            ) from exc
        try:
            signer = PKCS11Signer(session, cert_label=self.cert_label or self.key_label, key_label=self.key_label)
            return sign_with(signer, pdf, field, text, self.font)
        except SigningFailed:
            raise
        except (pkcs11.exceptions.PKCS11Error, SigningError) as exc:
            raise SigningFailed(
                "no_key",
                f"The key {self.key_label!r} or its certificate is not on the token {self.token_label!r}",
                f"Không tìm thấy khóa {self.key_label!r} hoặc chứng thư số trên thiết bị {self.token_label!r}",
                detail=f"{type(exc).__name__}: {exc}"[:300],
            ) from exc
        finally:
            session.close()

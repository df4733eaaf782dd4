"""PAdES signing: a signed PDF verifies against its certificate, and one changed byte breaks it."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.errors import InvalidDocument
from documents.sign import (
    CERT_FILE,
    KEY_FILE,
    InvalidIdentity,
    SigningIdentity,
    ensure_certificate,
    load_identity,
    sign_pdf,
    verify_pdf,
)
from tests.support.pdfs import text_pdf

ORGANISATION = "Ủy ban nhân dân thành phố Hà Nội"
REASON = "Phê duyệt biên bản cuộc họp"


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> SigningIdentity:
    """One RSA-2048 identity for the module: generating a key is the slow part."""
    return ensure_certificate(tmp_path_factory.mktemp("signing"), ORGANISATION)


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A two-page reportlab PDF with Vietnamese text."""
    path = text_pdf(
        tmp_path_factory.mktemp("pdf") / "bien-ban.pdf",
        ["BIÊN BẢN\nNghị quyết về đầu tư công\nĐồng ý: 12/15", "Nơi nhận: Lưu VT"],
        title="Biên bản",
    )
    return path.read_bytes()


@pytest.fixture(scope="module")
def signed(unsigned: bytes, identity: SigningIdentity) -> bytes:
    return sign_pdf(unsigned, identity, reason=REASON, location="Hà Nội", name="Nguyễn Văn A")


def test_ensure_certificate_makes_the_identity_once(identity: SigningIdentity) -> None:
    again = ensure_certificate(identity.key_path.parent, "another name is ignored once made")
    assert again.certificate_pem() == identity.certificate_pem()
    assert again.key_path.read_bytes() == identity.key_path.read_bytes()
    assert stat.S_IMODE(identity.key_path.stat().st_mode) == 0o600
    assert {path.name for path in identity.key_path.parent.iterdir()} == {KEY_FILE, CERT_FILE}


def test_a_signed_pdf_verifies_against_its_certificate(
    signed: bytes, unsigned: bytes, identity: SigningIdentity
) -> None:
    assert signed.startswith(unsigned)  # an incremental update: the original bytes are untouched
    result = verify_pdf(signed, identity.certificate_pem())
    assert result.valid and result.intact
    assert result.signer == f"{ORGANISATION} - i-Cabinet"
    assert result.reason == REASON
    assert result.signed_at is not None
    assert PdfReader(io.BytesIO(signed)).pages[0].extract_text().startswith("BIÊN BẢN")


def test_another_certificate_or_none_is_not_trusted(signed: bytes, tmp_path: Path) -> None:
    stranger = ensure_certificate(tmp_path, "Một cơ quan khác")
    for trusted in (stranger.certificate_pem(), None):
        result = verify_pdf(signed, trusted)
        assert not result.valid and result.intact


def test_one_changed_byte_in_the_page_content_breaks_the_signature(signed: bytes, identity: SigningIdentity) -> None:
    start, end = content_stream_span(signed)
    tampered = bytearray(signed)
    middle = (start + end) // 2
    tampered[middle] ^= 0x01
    assert len(tampered) == len(signed)
    result = verify_pdf(bytes(tampered), identity.certificate_pem())
    assert not result.valid and not result.intact


def test_an_unsigned_pdf_is_not_valid(unsigned: bytes, identity: SigningIdentity) -> None:
    result = verify_pdf(unsigned, identity.certificate_pem())
    assert not result.valid and not result.intact and result.signer == ""


def test_bytes_that_are_not_a_pdf_are_refused(identity: SigningIdentity) -> None:
    with pytest.raises(InvalidDocument) as refused:
        verify_pdf(b"PK\x03\x04 a zip, not a PDF", identity.certificate_pem())
    assert refused.value.code == "not_pdf"


def test_load_identity_reads_a_real_pair_and_refuses_a_broken_one(identity: SigningIdentity, tmp_path: Path) -> None:
    loaded = load_identity(identity.key_path, identity.cert_path)
    assert loaded.certificate_pem() == identity.certificate_pem()
    broken = tmp_path / "key.pem"
    broken.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(InvalidIdentity):
        load_identity(broken, identity.cert_path)


def content_stream_span(pdf: bytes) -> tuple[int, int]:
    """Byte offsets of the first page's content stream data (inside the first signed byte range)."""
    contents = PdfReader(io.BytesIO(pdf)).pages[0].raw_get("/Contents")
    header = f"\n{contents.idnum} 0 obj".encode()
    start = pdf.index(b"stream", pdf.index(header)) + len(b"stream")
    start += 2 if pdf[start : start + 2] == b"\r\n" else 1
    end = pdf.index(b"endstream", start)
    return start, end

"""validate(): every kind of bad file gets its code; real PDFs pass."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfWriter

from documents.errors import InvalidDocument
from documents.store import BlobStore
from documents.validate import PdfInfo, validate
from tests.documents.conftest import DE_AN_06, IHANOI
from tests.support.data import shared_data
from tests.support.pdfs import (
    docx_like,
    empty_file,
    encrypted_pdf,
    garbage_pdf,
    many_pages_pdf,
    no_pages_pdf,
    odt_like,
    ole_like,
    plain_zip,
    png_file,
    text_pdf,
    truncated_pdf,
)


def refusal(path: Path, max_pages: int = 500) -> InvalidDocument:
    with pytest.raises(InvalidDocument) as caught:
        validate(path, max_pages=max_pages)
    error = caught.value
    assert error.message_en and error.message_vi
    return error


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (empty_file, "empty"),
        (docx_like, "office_file"),
        (odt_like, "office_file"),
        (ole_like, "office_file"),
        (plain_zip, "not_pdf"),
        (png_file, "not_pdf"),
        (garbage_pdf, "damaged"),
        (no_pages_pdf, "no_pages"),
    ],
)
def test_bad_files_are_refused_with_their_code(tmp_path: Path, make: Callable[[Path], Path], code: str) -> None:
    assert refusal(make(tmp_path / "upload.bin")).code == code


def test_office_refusal_says_to_convert_to_pdf(tmp_path: Path) -> None:
    error = refusal(docx_like(tmp_path / "report.docx"))
    assert "PDF" in error.message_en and "convert" in error.message_en
    assert error.message_vi == "Tệp Word/Excel/PowerPoint chưa được hỗ trợ, hãy chuyển sang PDF rồi tải lên lại."


def test_text_file_is_not_pdf(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Biên bản cuộc họp\n" * 100, encoding="utf-8")
    assert refusal(path).code == "not_pdf"


@pytest.mark.parametrize("fraction", [0.1, 0.6, 0.9, 0.99])
def test_truncated_pdf_is_damaged(tmp_path: Path, fraction: float) -> None:
    assert refusal(truncated_pdf(IHANOI, tmp_path / "cut.pdf", fraction)).code == "damaged"


@pytest.mark.parametrize("name", ["2020_01_15.pdf", "2010_03_17.pdf"])
def test_truncated_real_book_is_damaged_even_where_pypdf_recovers(tmp_path: Path, name: str) -> None:
    # Cut inside their last incremental update, these books still open in pypdf as the previous revision.
    book = shared_data(f"real-pdfs/{name}")
    for fraction in (0.6, 0.8, 0.95, 0.999):
        assert refusal(truncated_pdf(book, tmp_path / "cut.pdf", fraction)).code == "damaged", fraction


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    error = refusal(encrypted_pdf(IHANOI, tmp_path / "locked.pdf", "bí-mật", "owner"))
    assert error.code == "encrypted"
    assert "password" in error.message_en and "mật khẩu" in error.message_vi


def test_pdf_encrypted_with_empty_user_password_is_accepted(tmp_path: Path) -> None:
    info = validate(encrypted_pdf(IHANOI, tmp_path / "owner-only.pdf", "", "owner-secret"), max_pages=10)
    assert info.encrypted and info.page_count == 2


def test_page_limit(tmp_path: Path) -> None:
    path = many_pages_pdf(tmp_path / "long.pdf", 30)
    assert validate(path, max_pages=30).page_count == 30
    error = refusal(path, max_pages=29)
    assert error.code == "too_many_pages"
    assert "30" in error.message_en and "29" in error.message_en
    assert "30" in error.message_vi and "29" in error.message_vi


def test_vietnamese_fixtures_are_accepted_with_metadata() -> None:
    assert validate(IHANOI, max_pages=10) == PdfInfo(
        page_count=2,
        title="BÁO CÁO kết quả triển khai Đề án 06 và ứng dụng iHanoi",
        author="UBND thành phố Hà Nội",
        encrypted=False,
    )
    assert validate(DE_AN_06, max_pages=10).page_count == 3


def test_metadata_is_stripped_and_nfc(vietnamese_pdf: Path) -> None:
    info = validate(vietnamese_pdf, max_pages=10)
    assert info.title == "Họp giao ban tháng 11"
    assert info.author == "Văn phòng UBND"


def test_missing_or_empty_metadata_is_none(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(tmp_path / "plain.pdf")
    info = validate(tmp_path / "plain.pdf", max_pages=10)
    assert info.title is None and info.author is None and not info.encrypted
    info = validate(text_pdf(tmp_path / "untitled.pdf", ["Biên bản"], title="  ", author=None), max_pages=10)
    assert info.title is None and info.author is None


@pytest.mark.parametrize(("name", "pages"), [("2020_01_15.pdf", 171), ("2010_03_17.pdf", 105)])
def test_real_minutes_books_are_accepted(name: str, pages: int) -> None:
    assert validate(shared_data(f"real-pdfs/{name}"), max_pages=500).page_count == pages


def test_junk_after_a_pdf_is_tolerated_as_readers_do(tmp_path: Path) -> None:
    path = tmp_path / "padded.pdf"
    path.write_bytes(IHANOI.read_bytes() + b"\n" + b"\x00" * 4000)
    assert validate(path, max_pages=10).page_count == 2


@pytest.mark.parametrize(
    "before",
    [b"\x00" * 20, b"\xef\xbb\xbf", b"<html><script>alert(1)</script><!--\n", b"PK\x03\x04" + bytes(26), b"\n"],
    ids=["nul", "bom", "html", "zip", "newline"],
)
def test_a_pdf_header_anywhere_but_the_start_is_not_pdf(tmp_path: Path, before: bytes) -> None:
    # viewers would open these (the header is within the first KiB); a browser or unzip sees the front
    path = tmp_path / "polyglot.pdf"
    path.write_bytes(before + IHANOI.read_bytes())
    assert refusal(path).code == "not_pdf"


@pytest.mark.parametrize("header", [b"%PDF-", b"%PDF-x.y", b"%PDF-9.9"])
def test_a_header_without_a_version_is_not_pdf(tmp_path: Path, header: bytes) -> None:
    path = tmp_path / "versionless.pdf"
    path.write_bytes(header + IHANOI.read_bytes()[len(b"%PDF-1.4") :])
    assert refusal(path).code == "not_pdf"


def test_header_beyond_the_first_kibibyte_is_not_pdf(tmp_path: Path) -> None:
    path = tmp_path / "late.pdf"
    path.write_bytes(b"x" * 2000 + IHANOI.read_bytes())
    assert refusal(path).code == "not_pdf"


@pytest.mark.parametrize("seed", range(12))
def test_corrupted_bytes_never_escape_as_other_errors(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = bytearray(DE_AN_06.read_bytes())
    start = rng.randrange(len(data) - 2000)
    data[start : start + rng.randrange(1, 2000)] = rng.randbytes(2000)[: rng.randrange(1, 2000)]
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(bytes(data))
    try:
        validate(path, max_pages=10)
    except InvalidDocument as error:
        assert error.code in {"damaged", "encrypted", "no_pages", "not_pdf"}


def test_refused_upload_leaves_nothing_in_the_store(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    with pytest.raises(InvalidDocument), store.new_upload(max_bytes=10_000_000) as upload:
        upload.write(truncated_pdf(IHANOI, tmp_path / "cut.pdf").read_bytes())
        validate(upload.path, max_pages=10)
    assert list(store.tmp.iterdir()) == []
    assert sorted(path.name for path in store.root.iterdir()) == ["tmp"]


def test_validate_reads_a_file_being_uploaded(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    with store.new_upload(max_bytes=10_000_000) as upload:
        data = IHANOI.read_bytes()
        for start in range(0, len(data), 4096):
            upload.write(data[start : start + 4096])
        info = validate(upload.path, max_pages=10)
        blob = store.commit(upload)
    assert info.page_count == 2
    assert blob.path.read_bytes() == data
    shutil.rmtree(store.root)

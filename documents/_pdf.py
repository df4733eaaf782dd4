"""Opening a PDF with pypdf the one way the library does it: lenient parser, empty-password decryption."""

from __future__ import annotations

from pathlib import Path

from pypdf import PasswordType, PdfReader

from documents.errors import InvalidDocument, damaged, encrypted


def describe(exc: BaseException) -> str:
    """A one-line technical description of `exc` for InvalidDocument.detail."""
    return f"{type(exc).__name__}: {exc}"[:300]


def open_reader(path: Path) -> PdfReader:
    """Open `path` with pypdf and decrypt it with the empty password if needed.

    Raises InvalidDocument("damaged") when pypdf cannot parse it and InvalidDocument("encrypted") when it
    needs a real password. pypdf raises many kinds of exception on hostile input (its own PyPdfError,
    but also ValueError, KeyError, TypeError, RecursionError, zlib errors...), so every Exception counts
    as damage here.
    """
    try:
        reader = PdfReader(path, strict=False)
    except Exception as exc:
        raise damaged(describe(exc)) from exc
    try:
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise encrypted("the empty password does not open it")
    except InvalidDocument:
        raise
    except Exception as exc:
        # DependencyError (an AES file without `cryptography`), NotImplementedError (an unknown
        # security handler) and parse errors in /Encrypt all mean: we cannot open it without help.
        raise encrypted(describe(exc)) from exc
    return reader

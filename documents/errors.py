"""The one error `documents/` raises for a file it refuses."""

from __future__ import annotations


class InvalidDocument(Exception):
    """A file refused at intake (or later found unreadable).

    `code` is a short machine code ("empty", "not_pdf", "office_file", "encrypted", "damaged",
    "too_many_pages", "no_pages", "too_large"); `message_en` and `message_vi` are clear, user-facing
    sentences, the Vietnamese one with full diacritics. `detail` is an optional technical note for logs,
    never shown to users.
    """

    def __init__(self, code: str, message_en: str, message_vi: str, *, detail: str = "") -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_vi = message_vi
        self.detail = detail

    def __repr__(self) -> str:
        return f"InvalidDocument(code={self.code!r}, message_en={self.message_en!r}, detail={self.detail!r})"


def damaged(detail: str = "") -> InvalidDocument:
    """The refusal for a PDF that cannot be read; `detail` says why, for logs."""
    return InvalidDocument(
        "damaged",
        "The PDF file is damaged or incomplete and cannot be read. Save or export it again, then upload it.",
        "Tệp PDF bị hỏng hoặc không đầy đủ nên không đọc được. Hãy lưu hoặc xuất lại tệp rồi tải lên lại.",
        detail=detail,
    )


def encrypted(detail: str = "") -> InvalidDocument:
    """The refusal for a PDF that needs a password to open."""
    return InvalidDocument(
        "encrypted",
        "The PDF is protected by a password: remove the password, then upload it again.",
        "Tệp PDF được bảo vệ bằng mật khẩu: hãy gỡ mật khẩu rồi tải lên lại.",
        detail=detail,
    )

"""Receive a multipart upload by streaming the file part straight into the blob store.

The body is never held in memory, and an oversized file is refused while it
arrives (the limit counts the file's bytes, not the request's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Request
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from documents.errors import InvalidDocument
from documents.store import BlobStore, Upload
from server.errors import Invalid, TooLarge, Unsupported

MAX_FIELD_BYTES = 64 * 1024


@dataclass
class ReceivedUpload:
    fields: dict[str, list[str]] = field(default_factory=dict)
    upload: Upload | None = None
    filename: str = ""
    content_type: str = ""

    def value(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1].strip() if values else None

    def discard(self) -> None:
        if self.upload is not None:
            self.upload.discard()


def document_error(exc: InvalidDocument) -> Invalid | TooLarge | Unsupported:
    if exc.code == "too_large":
        return TooLarge(exc.message_en, exc.message_vi)
    if exc.code == "office_file":
        return Unsupported(exc.message_en, exc.message_vi)
    return Invalid(exc.message_en, exc.message_vi)


async def receive_upload(request: Request, store: BlobStore, max_bytes: int) -> ReceivedUpload:  # type: ignore[type-arg]
    content_type, options = request.content_type
    boundary = options.get("boundary")
    if content_type != "multipart/form-data" or not boundary:
        raise Unsupported(
            "Send the document as multipart/form-data with a 'file' field",
            "Hãy gửi tài liệu dạng multipart/form-data với trường 'file'",
        )
    received = ReceivedUpload()
    try:
        await _parse(request, boundary, store, max_bytes, received)
    except InvalidDocument as exc:
        received.discard()
        raise document_error(exc) from None
    except (ParserError, ParserLimitReached):
        received.discard()
        raise Invalid("The upload is not valid multipart/form-data", "Dữ liệu tải lên không hợp lệ") from None
    except BaseException:
        received.discard()
        raise
    if received.upload is None or received.upload.size == 0 and not received.filename:
        received.discard()
        raise Invalid("No file in the 'file' field", "Chưa chọn tệp (trường 'file')")
    return received


async def _parse(
    request: Request,  # type: ignore[type-arg]
    boundary: str,
    store: BlobStore,
    max_bytes: int,
    received: ReceivedUpload,
) -> None:
    segment: MultipartSegment | None = None
    buffer = bytearray()
    with PushMultipartParser(boundary.encode(), max_segment_count=32, strict=True) as parser:
        async for chunk in request.stream():
            for part in parser.parse(chunk):
                if isinstance(part, MultipartSegment):
                    segment, buffer = part, bytearray()
                    if part.filename is not None:
                        if part.name != "file" or received.upload is not None:
                            raise Invalid(
                                "Send exactly one file, in the 'file' field", "Chỉ gửi một tệp, trong trường 'file'"
                            )
                        received.upload = store.new_upload(max_bytes)
                        received.filename = part.filename
                        received.content_type = part.content_type or ""
                elif part:
                    assert segment is not None
                    if segment.filename is not None and received.upload is not None:
                        received.upload.write(bytes(part))
                    else:
                        buffer.extend(part)
                        if len(buffer) > MAX_FIELD_BYTES:
                            raise Invalid(f"Field {segment.name!r} is too long", f"Trường {segment.name!r} quá dài")
                elif segment is not None:
                    if segment.filename is None:
                        received.fields.setdefault(segment.name, []).append(buffer.decode(segment.charset or "utf-8"))
                    segment = None

"""Document intake library (PDF validation, storage, page text and images, watermarks).

A pure library: it never imports `server`, Litestar or database sessions. It takes paths and bytes
and returns plain dataclasses; every refusal is an `InvalidDocument` with a code and messages in
English and Vietnamese.

- `documents.validate`: `validate(path, max_pages=...) -> PdfInfo`
- `documents.store`: `BlobStore` (content-addressed, atomic) and its `Upload`
- `documents.extract`: `extract_pages(path) -> list[PageText]`, `normalise_text`
- `documents.render`: `render_page(path, page, width, fmt)`, `PageCache`
- `documents.watermark`: `watermark_image`, `watermark_pdf`, `watermark_font_path`
- `documents.sanitize`: `active_content`, `without_active_content`, `ReaderCopies` (what readers download)
"""

"""What goes in and out of the documents API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from server.documents.models import Classification, Document, DocumentStatus, OcrStatus, TextSource


class VectorProgress(BaseModel):
    done: int = Field(description="Passages of the current version that have their meaning vector")
    total: int = Field(description="Passages of the current version in the search index")


class DocumentPublic(BaseModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    title: str
    classification: Classification
    status: DocumentStatus
    page_count: int
    searchable: bool = Field(description="The assistant and search find this document's current version")
    ocr_total: int = Field(description="Scanned pages of the current version that OCR reads (0: none)")
    ocr_done: int = Field(description="Of those, how many are finished (failed ones included)")
    ocr_failed: int = Field(description="Of those, how many OCR could not read")
    vectors: VectorProgress | None = Field(
        default=None,
        description="The semantic half of search: how many of the current version's passages have their meaning "
        "vector (`done` = `total`: complete; see the `document.vectors` event). None where it is not known: "
        "in live events other than `document.vectors`, or without an embedding model",
    )
    current_version: int
    version: int
    created_at: datetime


class VersionPublic(BaseModel):
    number: int
    filename: str
    size: int
    sha256: str
    page_count: int
    status: DocumentStatus
    error: str | None
    uploaded_at: datetime
    processed_at: datetime | None
    ocr_total: int
    ocr_done: int
    ocr_failed: int
    searchable_copy: bool = Field(default=False, description="The file download carries an invisible OCR text layer")


class DocumentDetail(DocumentPublic):
    readers: list[str] = Field(description="Users named on a confidential document")
    versions: list[VersionPublic]
    pdf_title: str | None
    pdf_author: str | None


class DocumentUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    agenda_item_id: int | None = None
    classification: Classification | None = None
    allowed_usernames: list[str] | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, description="Refuse the change (409) unless this is current")


class PageText(BaseModel):
    page: int
    text: str
    source: TextSource = Field(description="`text`: the PDF's own text; `ocr`: read from the scanned image")
    confidence: float | None = Field(description="OCR's mean word confidence, 0..1 (None: not OCR'd or no words)")
    ocr_status: OcrStatus | None = Field(
        description="Scanned pages only: `pending` (text follows), `done`, or `failed` (see `ocr_error`)"
    )
    ocr_error: str | None = None


class DocumentText(BaseModel):
    document_id: int
    version: int
    pages: list[PageText]


class PresentRequest(BaseModel):
    document_id: int | None = Field(description="None stops presenting")
    page: int = Field(default=1, ge=1)
    confirm: bool = Field(
        default=False,
        description="Show a confidential document to the room although people there may not read it "
        "(chair or secretary only); without it such a request is refused with 409 naming them",
    )


class Presenting(BaseModel):
    document_id: int | None
    page: int | None


def document_public(document: Document) -> DocumentPublic:
    return DocumentPublic.model_validate(document, from_attributes=True)

"""What goes in and out of the minutes API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from server.minutes.models import MinutesStatus, VersionKind


class MinutesDraftRequest(BaseModel):
    language: Literal["vi", "en"] | None = Field(default=None, description="Default: the minutes_language setting")
    base_version: int | None = Field(
        default=None,
        description="Required once minutes exist: a new draft replaces the current version (kept in the history)",
    )


class MinutesEdit(BaseModel):
    base_version: int = Field(description="The version this edit was made on; refused (409) when not current")
    content: dict[str, Any] = Field(description="The whole minutes, as `content` of GET .../minutes")


class MinutesApprove(BaseModel):
    base_version: int = Field(description="The version the chair read and approves")


class MinutesReopen(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="Why the approval is withdrawn (logged)")


class MinutesPublic(BaseModel):
    meeting_id: int
    status: MinutesStatus
    version: int
    language: str
    content: dict[str, Any]
    extract: bool = Field(
        default=False, description="Lines the caller may not read at their source are left out (docs/security.md)"
    )
    updated_by: int | None
    updated_by_name: str | None
    updated_at: datetime
    approved_by: int | None
    approved_by_name: str | None
    approved_at: datetime | None
    signed: bool = Field(
        description="GET .../minutes.pdf is the signed PDF: the version is approved and the caller reads every line"
    )


class MinutesVersionPublic(BaseModel):
    number: int
    kind: VersionKind
    note: str
    created_by: int | None
    created_by_name: str | None
    created_at: datetime
    approved_at: datetime | None


class SignatureCheck(BaseModel):
    valid: bool = Field(description="Signed by the organisation's certificate and unchanged since")
    intact: bool = Field(description="The signed bytes are unchanged (whoever signed them)")
    signer: str
    signed_at: datetime | None
    reason: str

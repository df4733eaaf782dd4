"""What goes in and out of the minutes API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr

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


class MinutesSign(BaseModel):
    pin: SecretStr | None = Field(
        default=None,
        max_length=64,
        description="The PIN of the caller's signing token, used for this signing only (never stored or logged); "
        "not needed by someone who signs with the organisation's key",
    )


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
        description="GET .../minutes.pdf is the signed PDF: the version is approved, the caller reads every line "
        "and, with personal signatures, the secretary and the chair have both signed"
    )
    signatures: list[str] = Field(
        default_factory=list, description="The signature fields filled so far, in order (secretary, chair)"
    )
    next_signer: str | None = Field(
        default=None, description="With personal signatures: who signs next (POST .../minutes/sign); None when done"
    )


class MinutesVersionPublic(BaseModel):
    number: int
    kind: VersionKind
    note: str
    created_by: int | None
    created_by_name: str | None
    created_at: datetime
    approved_at: datetime | None


class SignatureReportPublic(BaseModel):
    field: str = Field(description="The signature field: secretary, chair, or Signature1 (the organisation's)")
    signer: str = Field(description="The common name on the signing certificate")
    signed_at: datetime | None = Field(description="The signing time the signer's software reported")
    reason: str
    chain: list[str] = Field(description="Common names from the signer's certificate to the trust anchor")
    trusted: bool = Field(description="The chain ends at the organisation's certificate or a configured CA")
    intact: bool = Field(description="The bytes this signature covers are unchanged")
    modified_after: bool = Field(description="The file goes on after this signature (a later signature or more)")
    changes_allowed: bool = Field(description="What follows this signature only fills signature fields")
    valid: bool = Field(description="All of the above hold: pyHanko's judgement of this signature")


class SignatureCheck(BaseModel):
    valid: bool = Field(description="Every signature is valid: trusted, intact, followed by no unsafe change")
    intact: bool = Field(description="The signed bytes are unchanged (whoever signed them)")
    signer: str = Field(description="The last signature's signer")
    signed_at: datetime | None
    reason: str
    signatures: list[SignatureReportPublic] = Field(default_factory=list, description="Each, in signing order")

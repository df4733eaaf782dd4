"""Routes for the caller's own notes on a document's pages."""

from __future__ import annotations

from litestar import Controller, Request, get, put
from litestar.params import FromPath, JSONBody

from server.db import DbSession
from server.meetings.controller import change_context
from server.notes.schemas import NotePublic, NoteWrite
from server.notes.service import NoteService


class NoteController(Controller):
    path = "/api/documents/{document_id:int}/notes"
    tags = ["notes"]

    @get("/")
    async def list_notes(self, request: Request, db_session: DbSession, document_id: FromPath[int]) -> list[NotePublic]:
        """Your own notes on this document, by page (nobody else's, whoever asks)."""
        return await NoteService(change_context(request, db_session)).list(document_id)

    @put("/{page:int}")
    async def write_note(
        self,
        request: Request,
        db_session: DbSession,
        document_id: FromPath[int],
        page: FromPath[int],
        data: JSONBody[NoteWrite],
    ) -> NotePublic:
        """Save your note of one page (the whole text; empty deletes it). Your other devices get it live."""
        return await NoteService(change_context(request, db_session)).write(document_id, page, data)

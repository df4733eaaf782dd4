"""Polls (biểu quyết) and ballots: open or secret votes on an agenda item or a document."""

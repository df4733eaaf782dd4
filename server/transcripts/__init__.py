"""Transcripts (bản ghi lời phát biểu) attached to a meeting or an agenda item, as speaker turns."""

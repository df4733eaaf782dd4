"""Recordings (bản ghi âm) of a meeting, transcribed on the server into speaker turns."""

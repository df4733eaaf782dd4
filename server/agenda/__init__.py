"""Agenda items (chương trình họp): ordered, nested one level."""

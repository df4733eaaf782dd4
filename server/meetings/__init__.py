"""Meetings and their participants."""

"""Helpers shared by the tests: real server processes and a small HTTP client."""

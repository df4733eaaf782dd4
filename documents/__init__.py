"""Document intake library (PDF validation, storage, page text and images).

A pure library: it never imports `server`, Litestar or database sessions. The
documents issue fills it; the foundation only reserves the package so the
layout of SPEC.md holds from the first commit.
"""

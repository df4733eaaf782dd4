"""The AI assistant library (chunking, embeddings, hybrid retrieval, answers).

A pure library: it never imports `server`. The assistant issue fills it; the
foundation only reserves the package so the layout of SPEC.md holds.
"""

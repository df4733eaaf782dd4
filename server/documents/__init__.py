"""Meeting documents: upload, versions, processing, reading, permissions, "follow me"."""

"""Storage: blobs by sha256, an append-only journal, atomic header writes, a per-session lock."""

"""Small rules of the words every message uses."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 turn``, ``2 turns``: a count with its noun in the right form."""
    return f"{count} {one if count == 1 else (many or one + 's')}"

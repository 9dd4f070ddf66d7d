"""Prompt assembly: the character spec and its keep rules around what the user typed.

It follows what works without a seed: describe the character fully on the first turn, and on
later turns say what to keep exactly and that only the asked-for change may differ.
"""

from __future__ import annotations

from session_tui.model import CharacterSpec


def assemble(spec: CharacterSpec, typed: str, *, first_turn: bool, has_references: bool) -> str:
    """The text to send for ``typed``; unchanged when the spec is empty."""
    typed = typed.strip()
    if spec.is_empty():
        return typed
    keep = "; ".join(spec.keep) if spec.keep else ""
    parts: list[str] = []
    if first_turn:
        parts.append(spec.describe())
        if has_references:
            parts.append("Match the character in the reference images exactly.")
        if keep:
            parts.append(f"Keep exactly: {keep}.")
        parts.append(f"Scene: {typed}")
    else:
        who = f"the character {spec.name}" if spec.name else "the character"
        parts.append(f"Edit the previous image of {who}.")
        parts.append(f"Keep exactly: {keep}." if keep else "Keep the character's face, hair and outfit exactly.")
        parts.append(f"Change only this: {typed}")
    return " ".join(p for p in parts if p)

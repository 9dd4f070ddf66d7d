"""What an export carries beside the manifest: a contact sheet PNG and a static HTML gallery."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from session_tui.domain.model import Checkpoint, Session
from session_tui.export.exporter import ReadImage
from session_tui.scoring.score import brief_score

CONTACT_SHEET = "contact-sheet.png"
GALLERY = "index.html"
EXTRA_FILES = ("manifest.json", CONTACT_SHEET, GALLERY)  # every exported file that is not a checkpoint


def _caption(turn: int, score: Any) -> str:
    return f"turn {turn} · {brief_score(score)}"


def add_extras(
    read: ReadImage,
    session: Session,
    checkpoints: Sequence[Checkpoint],
    files: dict[str, bytes],
    manifest: dict[str, Any],
) -> None:
    """Add the contact sheet and the gallery to ``files`` and name them in ``manifest``."""
    from session_tui.export.contact_sheet import Tile, contact_sheet
    from session_tui.export.gallery import gallery_html

    tiles = [
        Tile(
            read(cp.image),
            f"{cp.id} {cp.label}".strip(),
            _caption(cp.turn, turn.score if (turn := session.find_turn(cp.turn)) else None),
        )
        for cp in checkpoints
    ]
    spec_name = session.header.character.name
    files[CONTACT_SHEET] = contact_sheet(tiles, f"{session.name}" + (f" · {spec_name}" if spec_name else ""))
    manifest["contact_sheet"] = CONTACT_SHEET
    manifest["gallery"] = GALLERY
    files[GALLERY] = gallery_html(manifest, CONTACT_SHEET).encode("utf-8")

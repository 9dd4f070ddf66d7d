"""Plain-data views of sessions for ``--json`` output, and the names the CLI and the TUI read from below."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session_tui.domain.model import Checkpoint, ImageRef, Session, SessionHeader, Turn
from session_tui.engine.costs import Cost, CostBook
from session_tui.scoring.score import brief_score
from session_tui.store.blobs import BlobStore
from session_tui.store.sessions import SessionSummary

__all__ = ["SessionPlace", "SessionSummary", "brief_score"]


@dataclass(frozen=True)
class SessionPlace:
    """Where a session's folder and images are, for the paths that output shows."""

    path: Path
    _blobs: BlobStore
    book: CostBook | None = None  # prices the turns shown; None: no cost in the output

    def image_path(self, ref: ImageRef) -> Path:
        return self._blobs.path(ref)

    def image_location(self, ref: ImageRef) -> str:
        """``image_path`` as text, without pathlib's parsing (show prints one per turn)."""
        return self._blobs.location(ref.sha256, ref.mime)


def image_json(sd: SessionPlace, ref: ImageRef) -> dict[str, Any]:
    return {**ref.model_dump(mode="json"), "path": sd.image_location(ref)}


def session_json(sd: SessionPlace, session: Session) -> dict[str, Any]:
    """What ``show --json`` prints: everything, with absolute paths to every image."""
    cost = sd.book.total(map(sd.book.turn_cost, session.turns)) if sd.book is not None else None
    return session_doc(
        sd,
        session.header,
        [turn_json(sd, t) for t in session.turns],
        session.checkpoints,
        session.warnings,
        cost,
    )


def session_doc(
    sd: SessionPlace,
    h: SessionHeader,
    turns: Any,
    checkpoints: Iterable[Checkpoint],
    warnings: list[str],
    cost: Cost | None = None,
) -> dict[str, Any]:
    """``session_json`` with ``turns`` as given (show --json streams them in its place).

    ``cost``: the session's total, the sum of its turns' known costs.
    """
    doc = {**header_json(sd, h), "turns": turns, **tail_json(sd, checkpoints, warnings)}
    doc["cost"] = cost.as_json() if cost is not None else None
    return doc


def header_json(sd: SessionPlace, h: SessionHeader) -> dict[str, Any]:
    """The part of ``session_json`` before the turns."""
    return {
        "name": h.name,
        "path": str(sd.path),
        "schema_version": h.schema_version,
        "created_at": h.created_at.isoformat(),
        "provider": h.provider,
        "kind": h.kind,
        "model": h.model,
        "parent": h.parent.model_dump(mode="json") if h.parent else None,
        "params": h.params.model_dump(mode="json"),
        "assemble_prompt": h.assemble_prompt,
        "character": h.character.model_dump(mode="json"),
        "references": references_json(sd, h),
    }


def references_json(sd: SessionPlace, h: SessionHeader) -> list[dict[str, Any]]:
    return [
        {
            **image_json(sd, r),
            "label": r.label,
            "role": r.role,
            "source": r.source,
            "source_tool": r.source_tool,
            "source_prompt": r.source_prompt,
            "source_seed": r.source_seed,
        }
        for r in h.references
    ]


def tail_json(sd: SessionPlace, checkpoints: Iterable[Checkpoint], warnings: list[str]) -> dict[str, Any]:
    """The part of ``session_json`` after the turns."""
    return {
        "checkpoints": [
            {
                "id": c.id,
                "label": c.label,
                "note": c.note,
                "turn": c.turn,
                "created_at": c.created_at.isoformat(),
                "image": image_json(sd, c.image),
                "path": str(sd.image_path(c.image)),
            }
            for c in checkpoints
        ],
        "warnings": warnings,
    }


def turn_json(sd: SessionPlace, t: Turn) -> dict[str, Any]:
    """One turn as ``show --json`` prints it (``send --json`` prints the new turn alone)."""
    return {
        "index": t.index,
        "prompt": t.prompt,
        "prompt_sent": t.prompt_sent,
        "params": t.params.model_dump(mode="json"),
        "seed_honoured": t.seed_honoured,
        "provider": t.provider,
        "kind": t.kind,
        "model": t.model,
        "status": t.status,
        "error": t.error,
        "reply_text": t.reply_text,
        "input_images": t.input_images,
        "images": [image_json(sd, i) for i in t.images],
        "started_at": t.started_at.isoformat(),
        "duration_s": t.duration_s,
        "usage": t.usage.model_dump(mode="json"),
        "request": t.request.model_dump(mode="json"),
        "provider_state": _public_state(t.provider_state),
        "score": t.score.model_dump(mode="json") if t.score is not None else None,
        "series": t.series.model_dump(mode="json") if t.series is not None else None,
        "cost": sd.book.turn_cost(t).as_json() if sd.book is not None else None,
    }


def _public_state(state: dict[str, Any]) -> dict[str, Any]:
    # Provider state can hold large opaque parts (e.g. Gemini thought signatures); show only scalars.
    return {k: v for k, v in state.items() if isinstance(v, (str, int, float, bool)) and len(str(v)) < 200}


def summary_json(s: SessionSummary, cost: Cost | None = None) -> dict[str, Any]:
    return {
        "name": s.name,
        "path": str(s.path),
        "provider": s.provider,
        "model": s.model,
        "turns": s.turns,
        "checkpoints": s.checkpoints,
        "modified_at": s.modified_at.isoformat(),
        "parent": s.parent,
        "parent_deleted": s.parent_deleted,
        "error": s.error,
        "cost": cost.as_json() if cost is not None else None,
    }

"""Scoring a session's turns: features of references are cached, scores are journalled on the turn.

The cache lives in ``cache/features-vN/`` (N: FEATURES_VERSION) inside the session folder. Blobs
never change, so a cached entry keyed by sha256 stays right; deleting the folder only costs time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from session_tui.domain.model import ImageRef, SessionHeader, Turn
from session_tui.errors import InvalidInput, SessionTuiError
from session_tui.scoring.features import (
    FEATURES_VERSION,
    Features,
    image_features,
    open_small,
    small_features,
)
from session_tui.scoring.score import SCORE_VERSION, Reference, compute_score
from session_tui.store.atomic import atomic_write
from session_tui.store.sessions import SessionDir

CACHE_DIR = "cache"


def _cache_path(sd: SessionDir, ref: ImageRef) -> Path:
    return sd.path / CACHE_DIR / f"features-v{FEATURES_VERSION}" / f"{ref.sha256}.json"


def reference_features(sd: SessionDir, ref: ImageRef) -> Features:
    """A reference's features, from the cache when it has them."""
    path = _cache_path(sd, ref)
    try:
        cached = Features.from_json(json.loads(path.read_bytes()))
        if cached is not None:
            return cached
    except (OSError, ValueError):
        pass
    features = image_features(sd.blobs.read(ref))
    _cache(path, features)
    return features


def remember_reference(sd: SessionDir, ref: ImageRef, small: Any) -> None:
    """Cache the features of a reference being added, from its ``images.small_copy``; never fails."""
    if small is None:
        return
    try:
        features = small_features(small)
    except Exception:
        return
    _cache(_cache_path(sd, ref), features)


def _cache(path: Path, features: Features) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(features.to_json()).encode())
    except (OSError, SessionTuiError):
        pass  # a cache that cannot be written only makes the next score slower


def score_image(sd: SessionDir, header: SessionHeader, image: ImageRef, small: Any = None) -> dict[str, Any]:
    """Score one stored image against the header's references and palette. Never raises for bad images.

    ``small``: the image's ``images.small_copy`` if the caller has it; otherwise it is decoded.
    """
    try:
        refs = [
            Reference(r.sha256[:12], reference_features(sd, r))
            for r in header.references
            if r.sha256 != image.sha256
        ]
        features = small_features(small if small is not None else open_small(sd.blobs.read(image)))
        doc = compute_score(features, refs, header.character.palette)
    except Exception as exc:
        doc = {
            "version": SCORE_VERSION,
            "total": None,
            "parts": {},
            "details": {},
            "error": getattr(exc, "message", None)
            or f"the image could not be analysed ({exc.__class__.__name__})",
        }
    doc["image"] = image.sha256[:12]
    doc["computed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return doc


def score_turn(sd: SessionDir, header: SessionHeader, turn: Turn) -> dict[str, Any] | None:
    """The score for a turn's first image (None when the turn has no image); keeps a judge's verdict."""
    if turn.status != "ok" or not turn.images:
        return None
    doc = score_image(sd, header, turn.images[0])
    if turn.score and "judge" in turn.score:
        doc["judge"] = turn.score["judge"]
    return doc


def rescore(sd: SessionDir, turns: Iterable[int] = (), *, missing_only: bool = False) -> list[Turn]:
    """(Re)compute scores of a session's image turns and journal them; returns the turns scored."""
    wanted = list(turns)
    with sd.lock():
        session = sd.load()
        chosen = [session.turn(i) for i in wanted] if wanted else [t for t in session.turns]
        for t in chosen:
            if wanted and (t.status != "ok" or not t.images):
                raise InvalidInput(f"Turn {t.index} has no image to score (its status is {t.status}).")
        done = []
        for t in chosen:
            if (
                t.status != "ok"
                or not t.images
                or (missing_only and t.score and t.score.get("total") is not None)
            ):
                continue
            t.score = score_turn(sd, session.header, t)
            sd.append_turn(t)
            done.append(t)
        return done

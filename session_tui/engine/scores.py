"""Scoring a session's turns: features of references are cached, scores are journalled on the turn.

The cache lives in ``cache/features-vN/`` (N: FEATURES_VERSION) inside the session folder. Blobs
never change, so a cached entry keyed by sha256 stays right; deleting the folder only costs time.
Two backends: ``local`` (scoring/, always there) and ``learned`` (scoring/learned.py, the
``vision`` extra), chosen per command or by ``score_backend`` in config.toml.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from session_tui.domain.model import ImageRef, SessionHeader, Turn
from session_tui.domain.records import Score
from session_tui.errors import InvalidInput
from session_tui.scoring.features import (
    FEATURES_VERSION,
    Features,
    image_features,
    open_small,
    small_features,
)
from session_tui.scoring.score import SCORE_VERSION, Reference, compute_score
from session_tui.store.cache import read_cached, write_cached
from session_tui.store.sessions import SessionDir

BACKEND_LOCAL = "local"
BACKEND_LEARNED = "learned"
BACKENDS = (BACKEND_LOCAL, BACKEND_LEARNED)


def _cache_path(sd: SessionDir, ref: ImageRef) -> Path:
    """Where a reference's features are cached, relative to the session's ``cache/``."""
    return Path(f"features-v{FEATURES_VERSION}") / f"{ref.sha256}.json"


def reference_features(sd: SessionDir, ref: ImageRef, *, write_cache: bool = True) -> Features:
    """A reference's features, from the cache when it has them (kept there when ``write_cache``)."""
    path = _cache_path(sd, ref)
    raw = read_cached(sd.path, path)  # None for a cache that is a link, a FIFO or missing
    try:
        cached = Features.from_json(json.loads(raw)) if raw is not None else None
        if cached is not None:
            return cached
    except (ValueError, RecursionError):
        pass
    features = image_features(sd.blobs.read(ref))
    if write_cache:
        _cache(sd, path, features)
    return features


def remember_reference(sd: SessionDir, ref: ImageRef, small: Any) -> None:
    """Cache the features of a reference being added, from its ``images.small_copy``; never fails."""
    if small is None:
        return
    try:
        features = small_features(small)
    except Exception:
        return
    _cache(sd, _cache_path(sd, ref), features)


def _cache(sd: SessionDir, rel: Path, features: Features) -> None:
    """Cache ``features``; never through a link out of the session, never failing the command."""
    write_cached(sd.path, rel, json.dumps(features.to_json()).encode())


def score_image(
    sd: SessionDir, header: SessionHeader, image: ImageRef, small: Any = None, backend: str = BACKEND_LOCAL
) -> dict[str, Any]:
    """Score one stored image against the header's references, palette and keep rules.

    Never raises for a bad image (the score carries an ``error``). ``small``: the image's
    ``images.small_copy`` if the caller has it; otherwise it is decoded.
    """
    try:
        if backend == BACKEND_LEARNED:
            doc = _learned(sd, header, sd.blobs.read(image), exclude=image.sha256)
        else:
            features = small_features(small if small is not None else open_small(sd.blobs.read(image)))
            doc = _local(sd, header, features, exclude=image.sha256)
    except InvalidInput:
        raise  # the learned backend cannot run here at all: say so, do not store a failed score
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


def _local(
    sd: SessionDir, header: SessionHeader, features: Features, *, exclude: str = "", write_cache: bool = True
) -> dict[str, Any]:
    refs = [
        Reference(r.sha256[:12], reference_features(sd, r, write_cache=write_cache))
        for r in header.references
        if r.sha256 != exclude
    ]
    return compute_score(features, refs, header.character.palette, keep_rules=header.character.keep)


def _learned(sd: SessionDir, header: SessionHeader, data: bytes, *, exclude: str = "") -> dict[str, Any]:
    from session_tui.scoring.learned import LearnedReference, embed_image, load_embedder, score_learned

    embedder = load_embedder()
    refs = [
        LearnedReference(r.sha256[:12], embed_image(embedder, sd.blobs.read(r)), reference_features(sd, r))
        for r in header.references
        if r.sha256 != exclude
    ]
    doc: dict[str, Any] = score_learned(
        data, refs, header.character.palette, keep_rules=header.character.keep, embedder=embedder
    )
    return doc


def score_files(
    sd: SessionDir, header: SessionHeader, pictures: Sequence[tuple[str, bytes]], backend: str = BACKEND_LOCAL
) -> list[dict[str, Any]]:
    """Scores of picture files made elsewhere, against the session; nothing is stored, cache included."""
    if not header.references and not header.character.palette:
        raise InvalidInput(
            f"Session {header.name!r} has neither references nor a palette to score pictures against; "
            "add a reference with 'session-tui refs add' or a palette to its character spec."
        )
    if backend == BACKEND_LEARNED and not header.references:
        raise InvalidInput(f"The learned score needs a reference, and session {header.name!r} has none.")
    out = []
    for _label, data in pictures:
        if backend == BACKEND_LEARNED:
            doc = _learned(sd, header, data)
        else:
            doc = _local(sd, header, small_features(open_small(data)), write_cache=False)
        out.append(doc)
    return out


def score_turn(
    sd: SessionDir, header: SessionHeader, turn: Turn, backend: str = BACKEND_LOCAL
) -> Score | None:
    """The score for a turn's first image (None when the turn has no image); keeps a judge's verdict."""
    if turn.status != "ok" or not turn.images:
        return None
    doc = score_image(sd, header, turn.images[0], backend=backend)
    if turn.score is not None and "judge" in turn.score.model_fields_set:
        doc["judge"] = turn.score.model_dump()["judge"]
    score: Score = Score.of(doc)
    return score


def _current(score: Score | None) -> bool:
    """A score of this version with a figure: ``--missing`` leaves it; older versions are redone."""
    return score is not None and score.total is not None and score.version == SCORE_VERSION


def rescore(
    sd: SessionDir, turns: Iterable[int] = (), *, missing_only: bool = False, backend: str = BACKEND_LOCAL
) -> list[Turn]:
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
            if t.status != "ok" or not t.images or (missing_only and _current(t.score)):
                continue
            t.score = score_turn(sd, session.header, t, backend)
            sd.append_turn(t)
            done.append(t)
        return done

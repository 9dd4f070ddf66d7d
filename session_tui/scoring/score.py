"""The consistency score: one figure from 0 to 100 and the three parts it is made of.

docs/SCORING.md explains every number here; change them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from session_tui.scoring.colour import hex_to_rgb, shares_within, srgb_to_lab
from session_tui.scoring.features import Features, hamming, histogram_similarity

SCORE_VERSION = 2  # 2: the colour sample is 32×32 (was 64×64), so a turn's score costs milliseconds
PALETTE_DELTA_E = 10.0  # a pixel "is" a spec colour when CIEDE2000 is at most this
PALETTE_FULL_SHARE = 0.01  # a spec colour counts fully present once it covers 1% of the picture
HASH_UNRELATED = 32  # unrelated pictures differ in about half of the 64 hash bits
# A judgement, not a fit: the palette is the spec's own statement of the character's colours, so it
# weighs most; the histogram and the hash catch drift the palette cannot see (docs/SCORING.md).
WEIGHTS = MappingProxyType({"palette": 0.5, "histogram": 0.3, "phash": 0.2})


@dataclass(frozen=True)
class Reference:
    """A reference's features and a short name to report as the nearest one."""

    key: str
    features: Features


def palette_coverage(features: Features, palette: Sequence[str]) -> dict[str, float]:
    """For each spec colour, the share of the picture within PALETTE_DELTA_E of it."""
    targets = [srgb_to_lab(hex_to_rgb(colour)) for colour in palette]
    return dict(zip(palette, shares_within(features.colours, targets, PALETTE_DELTA_E), strict=True))


def compute_score(features: Features, references: Sequence[Reference], palette: Sequence[str]) -> dict[str, Any]:
    """The score of one picture against the references and the spec's palette.

    A part that has nothing to compare with (no palette, no references) is left out and the
    weights of the others are scaled up; with neither, ``total`` is None.
    """
    parts: dict[str, float] = {}
    details: dict[str, Any] = {}
    if palette:
        coverage = palette_coverage(features, palette)
        parts["palette"] = sum(min(1.0, share / PALETTE_FULL_SHARE) for share in coverage.values()) / len(coverage)
        details["palette_coverage"] = {c: round(s, 4) for c, s in coverage.items()}
    if references:
        parts["histogram"] = max(histogram_similarity(features.histogram, r.features.histogram) for r in references)
        nearest = min(references, key=lambda r: hamming(features.phash, r.features.phash))
        distance = hamming(features.phash, nearest.features.phash)
        parts["phash"] = max(0.0, 1.0 - distance / HASH_UNRELATED)
        details["phash_distance"] = distance
        details["nearest_reference"] = nearest.key
    weight = sum(WEIGHTS[k] for k in parts)
    total = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / weight) if parts else None
    doc: dict[str, Any] = {"version": SCORE_VERSION, "total": total,
                           "parts": {k: round(v, 3) for k, v in parts.items()}, "details": details}
    if total is None:
        doc["note"] = "nothing to compare with: the session has no references and the spec no palette"
    return doc


PART_NAMES = {"palette": "palette", "histogram": "colours", "phash": "layout"}


def format_score(score: dict[str, Any] | None) -> str:
    """One line for people: ``72/100 (palette 0.83, colours 0.61, layout 0.50)``."""
    if not score:
        return "not scored"
    if score.get("error"):
        return f"not scored ({score['error']})"
    total = score.get("total")
    if total is None:
        return "no score (nothing to compare with)"
    parts = ", ".join(f"{PART_NAMES.get(k, k)} {v:.2f}" for k, v in (score.get("parts") or {}).items())
    text = f"{total}/100" + (f" ({parts})" if parts else "")
    judge = score.get("judge")
    if isinstance(judge, dict) and judge.get("overall") is not None:
        text += f"; judge {judge['overall']}/100"
    return text

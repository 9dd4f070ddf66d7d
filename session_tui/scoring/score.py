"""The consistency score: one figure from 0 to 100, a verdict, and the parts it is made of.

docs/SCORING.md explains every number here; change them together. The weights are fitted
(weights.py); this module only applies them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from session_tui.scoring.features import Features

if TYPE_CHECKING:
    from session_tui.domain.records import Score

SCORE_VERSION = 3  # 3: the character region, learned weights, a verdict (2: whole picture, judged weights)
BACKEND = "local"
PALETTE_DELTA_E = 10.0  # a pixel "is" a spec colour when CIEDE2000 is at most this
PALETTE_FULL_SHARE = 0.03  # a spec colour counts fully present once it covers 3 % of the character
PALETTE_ABSENT = 0.005  # under 0.5 % of the character a spec colour is flagged as missing
# The parts a reference gives. Shape moments are measured too but the fit gave them no weight
# (pose changes a silhouette more than identity does), so they are reported in details only.
REFERENCE_PARTS = ("colour", "hue", "texture", "structure")
PART_NAMES = {
    "colour": "colour",
    "hue": "hue",
    "texture": "texture",
    "structure": "edges",
    "shape": "shape",
    "palette": "palette",
    "embedding": "embedding",
}


@dataclass(frozen=True)
class Reference:
    """A reference's features and a short name to report as the nearest one."""

    key: str
    features: Features


def reference_parts(features: Features, reference: Features) -> dict[str, float]:
    """How alike the two character regions are, part by part (each 0 to 1), REFERENCE_PARTS and "shape"."""
    from session_tui.scoring.descriptors import overlap, shape_similarity

    return {
        "colour": overlap(features.histogram, reference.histogram),
        "hue": overlap(features.hue, reference.hue),
        "texture": overlap(features.texture, reference.texture),
        "structure": overlap(features.orientation, reference.orientation),
        "shape": shape_similarity(features.shape, reference.shape),
    }


def colour_shares(features: Features, colours: Sequence[str]) -> dict[str, float]:
    """For each ``#RRGGBB``, the share of the character within PALETTE_DELTA_E of it."""
    if not colours or not features.colours:
        return dict.fromkeys(colours, 0.0)
    import numpy as np

    from session_tui.scoring.colour import hex_to_rgb, srgb_to_lab
    from session_tui.scoring.pixels import delta_e_2000_array

    labs = np.array([lab for lab, _ in features.colours])
    shares = np.array([share for _, share in features.colours])
    out = {}
    for colour in colours:
        near = delta_e_2000_array(labs, srgb_to_lab(hex_to_rgb(colour))) <= PALETTE_DELTA_E
        out[colour] = float(shares[near].sum())
    return out


def palette_part(coverage: dict[str, float]) -> float:
    return sum(min(1.0, share / PALETTE_FULL_SHARE) for share in coverage.values()) / len(coverage)


def model_for(parts: Sequence[str]) -> str:
    has_refs, has_palette = "colour" in parts, "palette" in parts
    return "references+palette" if has_refs and has_palette else "references" if has_refs else "palette"


def logit(parts: dict[str, float]) -> float:
    """The model's log-odds that the parts come from the same character."""
    from session_tui.scoring.weights import MODELS

    model = MODELS[model_for(list(parts))]
    return model.bias + sum(w * parts[k] for k, w in model.weights.items() if k in parts)


def total_of(z: float) -> int:
    return round(100 / (1 + math.exp(-max(-50.0, min(50.0, z)))))


def compute_score(
    features: Features,
    references: Sequence[Reference],
    palette: Sequence[str],
    *,
    keep_rules: Sequence[str] = (),
) -> dict[str, Any]:
    """The score of one picture against the references, the spec's palette and its keep rules.

    With references and a palette, with references alone or with a palette alone, a model fitted
    for that case combines the parts (weights.py); the nearest reference is the one giving the
    highest score. ``keep_rules`` (the spec's ``keep``, or any spec text) are checked for the
    colours they name; a broken one is a flag and keeps the verdict from "consistent". With
    neither references nor palette, ``total`` is None.
    """
    from session_tui.scoring.verdict import judge, keep_flags

    details: dict[str, Any] = {"character_share": round(features.region_share, 3)}
    coverage = colour_shares(features, palette) if palette else {}
    best_parts: dict[str, float] = {}
    nearest: Reference | None = None
    if references:
        scored = []
        for ref in references:
            parts = reference_parts(features, ref.features)
            parts.pop("shape")
            if coverage:
                parts["palette"] = palette_part(coverage)
            scored.append((logit(parts), ref, parts))
        _, nearest, best_parts = max(scored, key=lambda row: row[0])
        details["nearest_reference"] = nearest.key
        details["shape"] = round(reference_parts(features, nearest.features)["shape"], 3)
    elif coverage:
        best_parts = {"palette": palette_part(coverage)}
    if coverage:
        details["palette_coverage"] = {c: round(s, 4) for c, s in coverage.items()}

    flags, checks = keep_flags(features, nearest.features if nearest else None, coverage, keep_rules)
    if checks:
        details["keep"] = checks
    if not features.found or (nearest is not None and not nearest.features.found):
        flags.append("no character stood out from the background: whole pictures were compared")
    doc: dict[str, Any] = {
        "version": SCORE_VERSION,
        "backend": BACKEND,
        "total": None,
        "verdict": None,
        "driver": None,
        "flags": flags,
        "parts": {},
        "details": details,
    }
    if not best_parts:
        doc["note"] = "nothing to compare with: the session has no references and the spec no palette"
        return doc
    doc.update(
        judge(best_parts, total_of(logit(best_parts)), broken=any(f.startswith("keep ") for f in flags))
    )
    doc["parts"] = {k: round(v, 3) for k, v in best_parts.items()}
    return doc


def _fields(score: Score | dict[str, Any] | None) -> dict[str, Any] | None:
    """A turn's Score as the dict it was stored as (a dict as it is), so both read alike here."""
    return score if score is None or isinstance(score, dict) else score.model_dump()


def format_score(score: Score | dict[str, Any] | None) -> str:
    """One line for people: ``72/100 consistent (colour 0.83, ...; driven by colour); flags``."""
    fields = _fields(score)
    if not fields:
        return "not scored"
    if fields.get("error"):
        return f"not scored ({fields['error']})"
    if fields.get("total") is None:
        return "no score (nothing to compare with)"
    parts = ", ".join(f"{PART_NAMES.get(k, k)} {v:.2f}" for k, v in (fields.get("parts") or {}).items())
    driver = fields.get("driver")
    if parts and driver:
        parts += f"; driven by {PART_NAMES.get(driver, driver)}"
    return _figure(fields) + (f" ({parts})" if parts else "") + _remarks(fields)


def brief_score(score: Score | dict[str, Any] | None) -> str:
    """The figure with its verdict and flags, without the parts: ``54/100 drifting; keep ...``.

    What ``show``, contact sheets and galleries print beside a picture: a number never goes alone.
    """
    fields = _fields(score)
    if not isinstance(fields, dict) or fields.get("total") is None:
        return "not scored"
    return _figure(fields) + _remarks(fields)


def _figure(fields: dict[str, Any]) -> str:
    return f"{fields['total']}/100" + (f" {fields['verdict']}" if fields.get("verdict") else "")


def _remarks(fields: dict[str, Any]) -> str:
    """The flags, then the judge's figure, each after a semicolon."""
    text = "".join(f"; {flag}" for flag in fields.get("flags") or [])
    judge = fields.get("judge")
    if isinstance(judge, dict) and judge.get("overall") is not None:
        text += f"; judge {judge['overall']}/100"
    return text

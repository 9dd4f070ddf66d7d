"""From parts and a total to what is shown: a verdict, the part that drove it, and flags.

The thresholds are fitted (weights.py, docs/SCORING.md gives their measured false-alarm and miss
rates); the driver and the flags are rules, written down here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from session_tui.scoring.features import Features
from session_tui.scoring.keep_colours import NAMES, ZONES, broken, colour_checks, percent

CONSISTENT, DRIFTING, DIFFERENT = "consistent", "drifting", "different"


def verdict_of(total: int) -> str:
    from session_tui.scoring.weights import CONSISTENT_FROM, DIFFERENT_BELOW

    return CONSISTENT if total >= CONSISTENT_FROM else DIFFERENT if total < DIFFERENT_BELOW else DRIFTING


def driver_of(parts: dict[str, float], verdict: str) -> str:
    """The part that drove the verdict.

    For "consistent", the part furthest above its mean over different-subject pairs (weighted by
    its weight): what most set the picture apart from another character. Otherwise the part
    furthest below its mean over same-subject pairs: what most fell short of the same character.
    """
    from session_tui.scoring.score import model_for
    from session_tui.scoring.weights import MODELS, PART_MEANS

    weights = MODELS[model_for(list(parts))].weights
    weighed = [k for k in parts if weights.get(k, 0.0) > 0] or list(parts)
    if verdict == CONSISTENT:
        return max(weighed, key=lambda k: weights.get(k, 0.0) * (parts[k] - PART_MEANS[k][1]))
    return min(weighed, key=lambda k: weights.get(k, 0.0) * (parts[k] - PART_MEANS[k][0]))


def judge(parts: dict[str, float], total: int, *, broken: bool) -> dict[str, Any]:
    """``total``, ``verdict`` and ``driver``; a broken keep rule keeps a picture from "consistent"."""
    from session_tui.scoring.weights import CONSISTENT_FROM

    verdict = verdict_of(total)
    if broken and verdict == CONSISTENT:
        return {"total": CONSISTENT_FROM - 1, "verdict": DRIFTING, "driver": "keep"}
    return {"total": total, "verdict": verdict, "driver": "keep" if broken else driver_of(parts, verdict)}


def _share(features: Features, colour: str, zone: str) -> float:
    if colour.startswith("#"):
        from session_tui.scoring.score import colour_shares

        return colour_shares(features, [colour])[colour]
    return features.zones[ZONES.index(zone)][NAMES.index(colour)]


def keep_flags(
    features: Features, reference: Features | None, coverage: dict[str, float], keep_rules: Sequence[str]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Flags for broken keep rules and missing palette colours, and what was measured for each rule.

    A palette colour is flagged when it is all but absent from the character (under
    PALETTE_ABSENT) and, with references, the nearest one shows it; lesser changes of the palette
    are the palette part's business.

    ``reference``: the nearest reference's features, or None when there are no references;
    ``coverage``: each palette colour's share of the picture's character (score.colour_shares).
    """
    from session_tui.scoring.keep_colours import REFERENCE_MIN
    from session_tui.scoring.score import PALETTE_ABSENT, colour_shares

    flags: list[str] = []
    checks: list[dict[str, Any]] = []
    for check in colour_checks(keep_rules):
        share = _share(features, check.colour, check.zone)
        ref_share = _share(reference, check.colour, check.zone) if reference is not None else None
        checks.append(
            {
                "rule": check.rule,
                "colour": check.colour,
                "zone": check.zone,
                "share": round(share, 3),
                "reference_share": None if ref_share is None else round(ref_share, 3),
            }
        )
        flag = broken(check, share, ref_share)
        if flag and flag not in flags:
            flags.append(flag)
    if coverage:
        ref_shares = colour_shares(reference, list(coverage)) if reference is not None else None
        for colour, share in coverage.items():
            if share >= PALETTE_ABSENT:
                continue
            if ref_shares is None:
                flags.append(f"palette {colour} is not in the character")
            elif ref_shares[colour] >= REFERENCE_MIN:
                seen = percent(ref_shares[colour])
                flags.append(f"palette {colour} is not in the character ({seen} in the reference)")
    return flags, checks

"""Does the score tell one character from another? Checks on sets the offline renderer draws.

``separation``: each character is drawn once on a plain background (its reference) and then in
several scenes. Every scene picture is scored against every character's reference and palette:
pairs of the same character should score higher than pairs of different characters. ROC AUC is
the chance that a random same-character pair outscores a random different-character pair (1.0 =
always, 0.5 = coin).

``little_orange``: the article's case. Little Orange (orange pigtails and hoodie, white skirt) and
an impostor (short black hair, green hoodie) are drawn in the same five scenes and scored against
a front view of the real character, her palette and her keep rules.

The sets are synthetic: flat colours, one pose, no faces to recognise. They show the score
separates characters that differ in palette and silhouette; they say nothing about how well it
ranks subtle drift in a real model's output (benchmarks/score_real.py checks real photos).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from session_tui.domain.model import CharacterSpec, GenerationParams
from session_tui.scoring.features import Features, image_features
from session_tui.scoring.fit import roc_auc
from session_tui.scoring.score import Reference, compute_score

__all__ = ["CHARACTERS", "SCENES", "Separation", "describe", "little_orange", "roc_auc", "separation"]

# Two pairs share a lot on purpose (hair colour, outfit colour), so the test is not trivially easy.
CHARACTERS: tuple[CharacterSpec, ...] = (
    CharacterSpec(
        name="Little Orange",
        hair="orange pigtails",
        outfit="orange hoodie and white skirt",
        face="round face with blush",
        accessories=["orange bow"],
        palette=["#FF8C00", "#FFFFFF", "#FFE0C4"],
    ),
    CharacterSpec(
        name="Ginger",
        hair="orange ponytail",
        outfit="green hoodie and brown pants",
        palette=["#FF8C00", "#32A050", "#784B28"],
    ),
    CharacterSpec(
        name="Blue Boy",
        hair="brown short hair",
        outfit="blue jacket and navy pants",
        accessories=["black glasses"],
        palette=["#784B28", "#286EE6", "#14286E"],
    ),
    CharacterSpec(
        name="Rosa",
        hair="pink long hair",
        outfit="red coat and black skirt",
        accessories=["white scarf"],
        palette=["#F58CB4", "#D72828", "#1E1E23"],
    ),
    CharacterSpec(
        name="Mint",
        hair="green bun",
        outfit="white shirt and teal pants",
        accessories=["yellow hat"],
        palette=["#32A050", "#FAFAFA", "#008C8C", "#FAD228"],
    ),
    CharacterSpec(
        name="Violet",
        hair="purple pigtails",
        outfit="blue hoodie and purple skirt",
        face="blush",
        palette=["#8C46BE", "#286EE6"],
    ),
)
SCENES: tuple[str, ...] = (
    "on the beach",
    "in the office",
    "in the kitchen",
    "in the park",
    "in the snow",
    "at night",
    "in the city",
)

# The article's character (sessions/little-orange.toml) and the impostor of issue 12.
LITTLE_ORANGE = CharacterSpec(
    name="Little Orange",
    style="cute chibi cartoon, soft cel shading",
    hair="orange pigtails",
    eyes="big brown eyes",
    face="round face with blush",
    outfit="orange hoodie and white skirt",
    accessories=["orange-fruit hair clip"],
    palette=["#FF8C00", "#FFA500", "#FFFFFF", "#FFE4B5"],
    keep=["same orange pigtails", "same blush", "same orange hoodie and white skirt"],
)
IMPOSTOR = CharacterSpec(name="Impostor", hair="short black hair", outfit="green hoodie and blue jeans")
ARTICLE_SCENES: tuple[str, ...] = (
    "in a supermarket",
    "in the park",
    "in the kitchen",
    "on the beach at sunset",
    "in a room decorated for Christmas",
)


@dataclass(frozen=True)
class Separation:
    auc: float
    part_auc: dict[str, float]  # the same measure for each part alone
    same: list[float]  # scores of same-character pairs
    different: list[float]  # scores of different-character pairs
    characters: int
    pictures: int


def _draw(spec: CharacterSpec, prompt: str, seed: int) -> bytes:
    from pathlib import Path

    from session_tui.config import Profile
    from session_tui.paths import Home
    from session_tui.providers.base import GenerationRequest
    from session_tui.providers.offline import OfflineProvider

    provider = OfflineProvider(
        "offline", Profile(kind="offline"), Home(Path("."))
    )  # the renderer never touches its home
    request = GenerationRequest(
        prompt=prompt,
        typed=prompt,
        character=spec,
        params=GenerationParams(aspect_ratio="1:1", image_size="1K", seed=seed),
    )
    return provider.generate(request).images[0]


def separation(
    characters: Sequence[CharacterSpec] = CHARACTERS, scenes: Sequence[str] = SCENES, seed: int = 1
) -> Separation:
    """Draw the set, score every (picture, character) pair, and measure the separation."""
    refs: list[Features] = [image_features(_draw(spec, "standing, full body", seed)) for spec in characters]
    pictures: list[tuple[int, Features]] = []
    for who, spec in enumerate(characters):
        for n, scene in enumerate(scenes):
            pictures.append((who, image_features(_draw(spec, scene, seed + 1 + n))))
    same: list[dict[str, float]] = []
    different: list[dict[str, float]] = []
    for who, features in pictures:
        for other, spec in enumerate(characters):
            doc = compute_score(features, [Reference(spec.name, refs[other])], spec.palette)
            (same if who == other else different).append({"total": float(doc["total"]), **doc["parts"]})
    parts = {k: roc_auc([s[k] for s in same], [d[k] for d in different]) for k in same[0] if k != "total"}
    return Separation(
        roc_auc([s["total"] for s in same], [d["total"] for d in different]),
        parts,
        [s["total"] for s in same],
        [d["total"] for d in different],
        len(characters),
        len(pictures),
    )


def little_orange(scenes: Sequence[str] = ARTICLE_SCENES, seed: int = 11) -> list[dict[str, Any]]:
    """Little Orange and the impostor in each scene, scored against her front view: one row a scene.

    Each row has ``scene``, ``real`` and ``impostor`` (the two score documents).
    """
    spec = LITTLE_ORANGE
    reference = [Reference("front", image_features(_draw(spec, "standing, full body, front view", seed)))]
    rows = []
    for n, scene in enumerate(scenes):
        docs = {}
        for who, drawn in (("real", spec), ("impostor", IMPOSTOR)):
            features = image_features(_draw(drawn, scene, seed + 1 + n))
            docs[who] = compute_score(features, reference, spec.palette, keep_rules=spec.keep)
        rows.append({"scene": scene, **docs})
    return rows


def describe(result: Separation) -> str:
    def mean(xs: Sequence[float]) -> float:
        return sum(xs) / len(xs)

    scenes = result.pictures // result.characters
    return (
        f"ROC AUC {result.auc:.3f} over {result.characters} characters × {scenes} scenes "
        f"({len(result.same)} same-character pairs, mean score {mean(result.same):.1f}; "
        f"{len(result.different)} different-character pairs, mean score {mean(result.different):.1f}); "
        "parts alone: " + ", ".join(f"{k} {v:.3f}" for k, v in result.part_auc.items())
    )

"""Reference roles and per-model guidance: how many references of which kind a model handles well.

The limits are the vendors' published guidance, not hard limits (the hard ones are checked by the
engine). Gemini 3 Pro Image takes 14 images, of which about 5 people (character views) and 6
objects keep high fidelity; Gemini 2.5 Flash Image works best with up to 3 inputs. Other models
fall back on their provider's ``Capabilities.good_references`` when it is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from session_tui.domain.model import ReferenceImage

# Views of the character itself count as "people" in the vendors' guidance; the rest as objects.
CHARACTER_ROLES = ("front", "side", "back", "face", "promoted")


@dataclass(frozen=True)
class Guide:
    """What a model family handles well."""

    name: str
    total: int
    people: int | None = None
    objects: int | None = None


# (prefixes of the bare model id, exact nicknames, guide)
GUIDES: tuple[tuple[tuple[str, ...], tuple[str, ...], Guide], ...] = (
    (
        ("gemini-3-pro-image",),
        ("nano-banana-pro",),
        Guide("Gemini 3 Pro Image", total=14, people=5, objects=6),
    ),
    (("gemini-2.5-flash-image",), ("nano-banana",), Guide("Gemini 2.5 Flash Image", total=3)),
)


def guide_for(model: str, good_references: int | None = None) -> Guide | None:
    """The guidance for a model id (a gateway prefix such as ``google/`` is ignored)."""
    bare = model.strip().lower().rsplit("/", 1)[-1]
    for prefixes, nicknames, guide in GUIDES:
        if bare.startswith(prefixes) or bare in nicknames:
            return guide
    if good_references:
        return Guide(model, total=good_references)
    return None


def count_roles(references: Sequence[ReferenceImage]) -> tuple[int, int]:
    """(character views, objects and styles) among the references."""
    people = sum(1 for r in references if r.role in CHARACTER_ROLES)
    return people, len(references) - people


def reference_advice(
    references: Sequence[ReferenceImage], model: str, good_references: int | None = None
) -> list[str]:
    """Warnings, one sentence each, where the mix exceeds what the model handles well."""
    out: list[str] = []
    if not references:
        return out
    guide = guide_for(model, good_references)
    people, objects = count_roles(references)
    if guide is not None:
        if len(references) > guide.total:
            out.append(
                f"{len(references)} references is more than {guide.name} handles well (up to "
                f"{guide.total}); keep the best {guide.total}."
            )
        if guide.people is not None and people > guide.people:
            out.append(
                f"{people} character views (front, side, back, face, promoted) is more than the about "
                f"{guide.people} that {guide.name} keeps at high fidelity; drop the weakest views."
            )
        if guide.objects is not None and objects > guide.objects:
            out.append(
                f"{objects} object and style references is more than the about {guide.objects} that "
                f"{guide.name} keeps at high fidelity."
            )
    if all(r.role == "other" for r in references):
        out.append(
            "No reference has a role; mark them (front, side, back, face, outfit, style) with "
            "'session-tui refs role NAME HASH ROLE' so prompts can say what each one shows."
        )
    elif people == 0:
        out.append(
            "No reference shows the character itself (front, side, back, face or promoted); "
            "the model has only words to go on for its looks."
        )
    return out

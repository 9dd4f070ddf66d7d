"""Character spec files (TOML, UTF-8, any language): reading, checking, and a commented template."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from session_tui.domain.model import CharacterSpec, first_error
from session_tui.errors import InvalidInput

TEXT_FIELDS = ("name", "style", "hair", "eyes", "face", "outfit", "notes")
LIST_FIELDS = ("accessories", "palette", "keep")
_EXAMPLES = {
    "accessories": '["orange hair clip"]',
    "palette": '["#FF8C00", "#FFFFFF"]',
    "keep": '["same orange pigtails", "same blush"]',
}


def _problem(exc: ValidationError) -> str:
    """One sentence for the first problem, with the nearest field name for a misspelt key."""
    err = exc.errors()[0]
    loc = [str(p) for p in err.get("loc", ())]
    key = loc[0] if loc else ""
    known = [f for f in CharacterSpec.model_fields if f != "schema_version"]
    if err.get("type") == "extra_forbidden":
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown field {key!r}{hint}; the fields are {', '.join(known)}."
    if key in LIST_FIELDS and err.get("type") in ("list_type", "string_type"):
        if len(loc) == 1:
            return f"{key} must be a list of text, like {key} = {_EXAMPLES[key]}."
        return f"{key} item {int(loc[1]) + 1} must be text in quotes, like {key} = {_EXAMPLES[key]}."
    if key in TEXT_FIELDS and err.get("type") == "string_type":
        return f'{key} must be text in quotes, like {key} = "...".'
    return first_error(exc)


def parse_character(data: dict[str, Any], where: str = "the character spec") -> CharacterSpec:
    """Validate TOML data; the table ``[character]`` or the top level both work."""
    if isinstance(data.get("character"), dict):
        others = sorted(k for k in data if k != "character")
        if others:
            raise InvalidInput(
                f"Character file {where!r} has {', '.join(map(repr, others))} outside the "
                "[character] table; move it inside."
            )
        data = data["character"]
    try:
        return CharacterSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"Character file {where!r}: {_problem(exc)}") from None


@dataclass
class CheckReport:
    """A valid spec, and what would make it work better."""

    spec: CharacterSpec
    warnings: list[str] = field(default_factory=list)


def advise(spec: CharacterSpec) -> list[str]:
    """Things that are allowed but weaken consistency, one sentence each."""
    out: list[str] = []
    if spec.is_empty():
        return ["The spec is empty: nothing will be added to prompts and nothing can be scored against it."]
    if not spec.name.strip():
        out.append("No name: prompts will say 'the character' instead of its name.")
    missing = [f for f in ("hair", "eyes", "outfit") if not getattr(spec, f).strip()]
    if missing:
        out.append(f"No {', '.join(missing)}: the model will choose, and may choose differently each time.")
    if not [k for k in spec.keep if k.strip()]:
        out.append(
            'No keep rules: add what must not change, e.g. keep = ["same orange pigtails", "same blush"].'
        )
    if not spec.palette:
        out.append("No palette: the consistency score cannot measure palette adherence without one.")
    elif len(spec.palette) > 8:
        out.append(
            f"{len(spec.palette)} palette colours: the score counts each, so list the character's "
            "main colours (8 or fewer)."
        )
    duplicates = sorted({k for k in spec.keep if spec.keep.count(k) > 1})
    if duplicates:
        out.append(f"Keep rule {duplicates[0]!r} is listed more than once.")
    if len(set(spec.palette)) != len(spec.palette):
        out.append("A palette colour is listed more than once.")
    empty = [f for f in LIST_FIELDS if any(not str(v).strip() for v in getattr(spec, f))]
    if empty:
        out.append(f"{empty[0]} has an empty item; remove it.")
    return out


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except DEL, which TOML refuses raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


TEMPLATE = """\
# A character spec for session-tui. UTF-8; any language works (中文、日本語、…).
# Check it with:  session-tui character check {file}
# Use it with:    session-tui new NAME --character {file}
# Every field is optional; the more you fill in, the more the model keeps the same.

name = {name}
style = ""          # e.g. "cute chibi cartoon, soft cel shading"
hair = ""           # e.g. "orange pigtails"
eyes = ""           # e.g. "big brown eyes"
face = ""           # e.g. "round face with blush"
outfit = ""         # e.g. "orange hoodie and white skirt"
accessories = []    # e.g. ["orange hair clip", "small backpack"]

# The character's main colours as #RRGGBB. The consistency score checks that they appear
# in every picture (measured in CIELAB, see docs/SCORING.md).
palette = []        # e.g. ["#FF8C00", "#FFFFFF", "#FFE4B5"]

# What must never change between pictures. Prompts say "keep these exactly; change only
# the background and pose" (or only what you asked for, when editing).
keep = []           # e.g. ["same orange pigtails", "same blush"]

notes = ""          # anything else the model should know
"""


def template(name: str = "", file: str = "character.toml") -> str:
    return TEMPLATE.format(name=toml_string(name), file=file)

"""View and edit the character spec as TOML; saving validates it first."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable

from textual.app import ComposeResult
from textual.widgets import Static, TextArea

from session_tui.domain.model import CharacterSpec, make
from session_tui.errors import InvalidInput
from session_tui.tui.screens.form import FormScreen

FIELDS = ("name", "style", "hair", "eyes", "face", "outfit", "accessories", "palette", "keep", "notes")


def spec_to_toml(spec: CharacterSpec) -> str:
    """Every field, even empty ones, so the user sees what can be filled in."""
    lines = []
    for field in FIELDS:
        value = getattr(spec, field)
        # JSON string escapes are valid TOML basic strings; ensure_ascii=False keeps CJK readable.
        if isinstance(value, list):
            rendered = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
        else:
            rendered = json.dumps(value, ensure_ascii=False)
        lines.append(f"{field} = {rendered}")
    return "\n".join(lines) + "\n"


def spec_from_toml(text: str) -> CharacterSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"The spec is not valid TOML: {exc}.") from None
    if isinstance(data.get("character"), dict):
        data = data["character"]
    spec: CharacterSpec = make(CharacterSpec, data)
    return spec


class CharacterScreen(FormScreen[CharacterSpec, object]):
    TITLE_TEXT = "Character spec"
    OK_LABEL = "Save"

    def __init__(self, spec: CharacterSpec, job: Callable[[CharacterSpec], object]) -> None:
        super().__init__(job)
        self.spec = spec

    def fields(self) -> ComposeResult:
        yield Static(
            "TOML, any language. Lists: accessories, palette (#RRGGBB), keep (what must not change). "
            "ctrl+s saves.",
            classes="form-explain",
        )
        yield TextArea(spec_to_toml(self.spec), language=None, id="character-text", soft_wrap=True)

    def values(self) -> CharacterSpec:
        return spec_from_toml(self.query_one("#character-text", TextArea).text)

"""Create a session: name, provider profile, character spec file, references, default parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select

from session_tui.domain.model import Session
from session_tui.domain.vocabulary import ASPECT_RATIOS, IMAGE_SIZES, SEED_MAX
from session_tui.engine.refs import RefInput
from session_tui.errors import InvalidInput
from session_tui.tui.screens.form import FormScreen
from session_tui.tui.widgets.param_bar import offers_of
from session_tui.tui.widgets.path_input import PathInput


@dataclass(frozen=True)
class NewSessionValues:
    name: str
    provider: str | None
    character: Path | None
    refs: list[RefInput] = field(default_factory=list)
    aspect_ratio: str = "1:1"
    image_size: str = "1K"
    seed: int | None = None


def parse_seed(text: str) -> int | None:
    """Empty means random; anything else must be a whole number (the range is the engine's to check)."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"Seed {text!r} is not a whole number; leave it empty for a random one.") from None


def check_seed(text: str) -> int | None:
    """``parse_seed`` and the range, so a seed the engine would refuse never reaches a send."""
    seed = parse_seed(text)
    if seed is not None and not 0 <= seed <= SEED_MAX:
        raise InvalidInput(
            f"Seed {seed} is out of range; use 0 to {SEED_MAX}, or leave it empty for a random one."
        )
    return seed


class NewSessionScreen(FormScreen[NewSessionValues, Session]):
    TITLE_TEXT = "New session"
    OK_LABEL = "Create"

    def __init__(self, profiles: list[str], default: str, job: Callable[[NewSessionValues], Session]) -> None:
        super().__init__(job)
        self.profiles = profiles
        self.default = default

    def fields(self) -> ComposeResult:
        yield Label("Name (letters, digits, '-', '_', '.')")
        yield Input(id="new-name", placeholder="little-orange")
        yield Label("Provider profile")
        yield Select(
            [(p, p) for p in self.profiles], value=self.default, allow_blank=False, id="new-provider"
        )
        yield Label("Character spec file (TOML, optional; Tab completes)")
        yield PathInput(id="new-character", placeholder="sessions/little-orange.toml")
        yield Label("References (optional): PATH or PATH=LABEL, separated by ';'")
        yield PathInput(id="new-refs", placeholder="front.png=front; side.png=side")
        with Horizontal(classes="form-row"):
            yield Label("Ratio")
            yield Select([(r, r) for r in ASPECT_RATIOS], value="1:1", allow_blank=False, id="new-ratio")
            yield Label("Size")
            yield Select([(s, s) for s in IMAGE_SIZES], value="1K", allow_blank=False, id="new-size")
            yield Label("Seed")
            yield Input(id="new-seed", placeholder="random")

    def on_mount(self) -> None:
        self._offer(self.default)

    @on(Select.Changed, "#new-provider")
    def _provider_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._offer(event.value)

    def _offer(self, profile: str) -> None:
        """Ratio and size offer what ``profile``'s model offers; a choice still offered is kept,
        else the usual default (1:1, 1K) or the model's first."""
        ratios, sizes = offers_of(self, profile)
        for select_id, offers, usual in (("#new-ratio", ratios, "1:1"), ("#new-size", sizes, "1K")):
            select = self.query_one(select_id, Select)
            kept = select.value if select.value in offers else (usual if usual in offers else offers[0])
            select.set_options([(v, v) for v in offers])
            select.value = kept

    def values(self) -> NewSessionValues:
        name = self.query_one("#new-name", Input).value.strip()
        character = self.query_one("#new-character", PathInput).value.strip()
        refs = [
            RefInput.parse(part.strip())
            for part in self.query_one("#new-refs", PathInput).value.split(";")
            if part.strip()
        ]
        provider = self.query_one("#new-provider", Select).value
        ratio = self.query_one("#new-ratio", Select).value
        size = self.query_one("#new-size", Select).value
        return NewSessionValues(
            name=name,
            provider=provider if isinstance(provider, str) else None,
            character=Path(character) if character else None,
            refs=refs,
            aspect_ratio=ratio if isinstance(ratio, str) else "1:1",
            image_size=size if isinstance(size, str) else "1K",
            seed=parse_seed(self.query_one("#new-seed", Input).value),
        )

"""F7: a series from the TUI — a scenes file or typed scenes, one fresh turn per scene."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static, TextArea

from session_tui.domain.scenes import MAX_SCENES, Scene, scenes_from_lines
from session_tui.errors import InvalidInput
from session_tui.tui.screens.form import FormScreen
from session_tui.tui.widgets.path_input import PathInput


@dataclass(frozen=True)
class SeriesValues:
    """What the form read: a scenes file, or scenes typed one per line, and the series' name."""

    path: Path | None
    typed: str
    series: str


@dataclass(frozen=True)
class SeriesPlan:
    scenes: list[Scene]
    series: str


def typed_scenes(text: str) -> list[Scene]:
    scenes = scenes_from_lines(text)
    if not scenes:
        raise InvalidInput("Give a scenes file or type at least one scene, one per line.")
    if len(scenes) > MAX_SCENES:
        raise InvalidInput(f"{len(scenes)} scenes typed; the limit is {MAX_SCENES}.")
    return scenes


class SeriesScreen(FormScreen[SeriesValues, SeriesPlan]):
    """The job reads the scenes (a file off the UI thread); the session screen then runs them."""

    TITLE_TEXT = "Run a series"
    OK_LABEL = "Run"

    def __init__(self, default_name: str, job: Callable[[SeriesValues], SeriesPlan]) -> None:
        super().__init__(job)
        self.default_name = default_name

    def fields(self) -> ComposeResult:
        yield Static(
            "Each scene becomes its own turn, drawn fresh with the session's references and spec. "
            "Scenes already drawn in this series are skipped, so running it again resumes it. "
            "Esc while it runs stops after the current scene.",
            classes="form-explain",
        )
        yield Label("Scenes file (.toml, or one scene per line; Tab completes)")
        yield PathInput(placeholder="~/scenes.toml", id="series-path")
        yield Label("…or type scenes, one per line")
        yield TextArea(id="series-typed", classes="series-typed")
        yield Label("Series name")
        yield Input(self.default_name, id="series-name")

    def values(self) -> SeriesValues:
        path = self.query_one("#series-path", PathInput).value.strip()
        typed = self.query_one("#series-typed", TextArea).text
        name = self.query_one("#series-name", Input).value.strip() or self.default_name
        if not path and not typed.strip():
            raise InvalidInput("Give a scenes file or type at least one scene, one per line.")
        return SeriesValues(Path(path).expanduser() if path else None, typed, name)

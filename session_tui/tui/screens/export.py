"""Export checkpoints: which ones, a folder or a zip, and where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Label, RadioButton, RadioSet, SelectionList

from session_tui.domain.model import Checkpoint
from session_tui.engine.outputs import ExportResult
from session_tui.errors import InvalidInput
from session_tui.tui.screens.form import FormScreen
from session_tui.tui.widgets.path_input import PathInput


@dataclass(frozen=True)
class ExportValues:
    out: Path
    as_zip: bool
    which: list[str]


class ExportScreen(FormScreen[ExportValues, tuple[ExportResult, int]]):
    TITLE_TEXT = "Export checkpoints"
    OK_LABEL = "Export"

    def __init__(
        self,
        checkpoints: list[Checkpoint],
        default_out: Path,
        job: Callable[[ExportValues], tuple[ExportResult, int]],
    ) -> None:
        super().__init__(job)
        self.checkpoints = checkpoints
        self.default_out = default_out

    def fields(self) -> ComposeResult:
        yield Label("Checkpoints (Space toggles)")
        yield SelectionList[str](
            *[(f"{c.id} {c.label} · turn {c.turn}".strip(), c.id, True) for c in self.checkpoints],
            id="export-which",
        )
        yield Label("As")
        with RadioSet(id="export-kind"):
            yield RadioButton("PNG files in a folder", value=True, id="export-folder")
            yield RadioButton("one zip file", id="export-zip")
        yield Label("Where (a folder; for a zip, a folder or a .zip path)")
        yield PathInput(str(self.default_out), id="export-out")

    def values(self) -> ExportValues:
        which = list(self.query_one("#export-which", SelectionList).selected)
        if not which:
            raise InvalidInput("No checkpoint is chosen; tick at least one.")
        out = self.query_one("#export-out", PathInput).value.strip()
        if not out:
            raise InvalidInput("Say where to export to.")
        as_zip = self.query_one("#export-zip", RadioButton).value
        return ExportValues(Path(out), as_zip, which)

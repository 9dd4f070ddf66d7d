"""Add a reference image from a path, with a label and a role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from session_tui.domain.model import Session
from session_tui.domain.vocabulary import REFERENCE_ROLES
from session_tui.engine.refs import RefInput
from session_tui.errors import InvalidInput
from session_tui.tui.screens.form import FormScreen
from session_tui.tui.widgets.path_input import PathInput


class AddReferenceScreen(FormScreen[RefInput, Session]):
    TITLE_TEXT = "Add a reference image"
    OK_LABEL = "Add"

    def __init__(self, count: int, limit: int, job: Callable[[RefInput], Session]) -> None:
        super().__init__(job)
        self.count = count
        self.limit = limit

    def fields(self) -> ComposeResult:
        yield Static(
            f"The session has {self.count} of at most {self.limit} references.", classes="form-explain"
        )
        yield Label("Image file (Tab completes)")
        yield PathInput(placeholder="~/pictures/front.png", id="ref-path")
        yield Label("Label")
        yield Input(placeholder="defaults to the file name", id="ref-label")
        yield Label("Role")
        yield Select([(r, r) for r in REFERENCE_ROLES], value="other", allow_blank=False, id="ref-role")

    def values(self) -> RefInput:
        path = self.query_one("#ref-path", PathInput).value.strip()
        if not path:
            raise InvalidInput("Give the path of an image file.")
        role = self.query_one("#ref-role", Select).value
        return RefInput(
            Path(path),
            self.query_one("#ref-label", Input).value.strip(),
            role if isinstance(role, str) else "other",
        )

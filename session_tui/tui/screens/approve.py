"""Approve a turn's image as a checkpoint, with a label and a note."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from session_tui.domain.model import Checkpoint, Turn
from session_tui.tui.screens.form import FormScreen


@dataclass(frozen=True)
class ApproveValues:
    label: str
    note: str


class ApproveScreen(FormScreen[ApproveValues, Checkpoint]):
    TITLE_TEXT = "Approve as a checkpoint"
    OK_LABEL = "Approve"

    def __init__(self, turn: Turn, job: Callable[[ApproveValues], Checkpoint]) -> None:
        super().__init__(job)
        self.turn = turn

    def fields(self) -> ComposeResult:
        yield Static(
            f"Turn {self.turn.index}: {self.turn.prompt[:200]}", classes="form-explain", markup=False
        )
        yield Label("Label (short, unique in this session)")
        yield Input(id="approve-label", placeholder="e.g. beach-blue")
        yield Label("Note")
        yield Input(id="approve-note", placeholder="why this one")

    def values(self) -> ApproveValues:
        return ApproveValues(
            self.query_one("#approve-label", Input).value, self.query_one("#approve-note", Input).value
        )

"""The checkpoints panel: approved images, newest last; Enter jumps to the turn."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, ListItem, ListView, Static

from session_tui.domain.model import Checkpoint


class CheckpointItem(ListItem):
    def __init__(self, cp: Checkpoint) -> None:
        super().__init__(classes="checkpoint")
        self.cp = cp

    def compose(self) -> ComposeResult:
        cp = self.cp
        text = Text.assemble(
            ("★ ", "yellow"),
            (cp.id, "bold"),
            f" {cp.label}" if cp.label else "",
            (f" · turn {cp.turn}", "dim"),
        )
        yield Static(text)
        if cp.note:  # its own indented block, so a long note does not wrap under the star
            yield Static(Text(cp.note, "italic"), classes="checkpoint-note")


class CheckpointsPanel(Vertical):
    HELP = """
## Checkpoints
Images you approved; they are never lost. **Enter** jumps to the turn, **r** starts a new session
from the highlighted checkpoint (reset by promotion). Approve a turn with **ctrl+s**.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r", "screen.reset_from_checkpoint", "Promote", tooltip="Reset by promotion from this checkpoint"
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Label("Checkpoints", id="cps-title", classes="panel-title")
        yield ListView(id="cps-list")

    def show(self, checkpoints: list[Checkpoint]) -> None:
        self.query_one("#cps-title", Label).update(f"Checkpoints ({len(checkpoints)})")
        listing = self.query_one("#cps-list", ListView)
        if [item.cp for item in listing.query_children(CheckpointItem)] == checkpoints:
            return
        listing.clear()
        listing.extend(CheckpointItem(cp) for cp in checkpoints)
        if checkpoints:
            listing.index = len(checkpoints) - 1

    def highlighted(self) -> Checkpoint | None:
        item = self.query_one("#cps-list", ListView).highlighted_child
        return item.cp if isinstance(item, CheckpointItem) else None

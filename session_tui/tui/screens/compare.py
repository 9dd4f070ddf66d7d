"""Two to four pictures side by side at full pane size, with score parts and keep-rule flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from session_tui.domain.model import Checkpoint, Turn
from session_tui.domain.records import Score
from session_tui.tui.screens.base import PaletteCommand
from session_tui.tui.widgets.image_slot import ImageSlot
from session_tui.tui.widgets.turn_view import seed_text

COMPARE_BOX = 1024


@dataclass(frozen=True)
class Pick:
    """A picture chosen for the comparison."""

    turn: Turn
    checkpoint: Checkpoint | None
    title: str


def score_lines(turn: Turn) -> Text:
    """The verdict, each score part on its own line, then the keep-rule flags."""
    score = turn.score or Score()
    text = Text()
    if score.error:
        text.append(f"not scored: {score.error}", "dim")
        return text
    if score.total is None:
        text.append("no score (nothing to compare with)", "dim")
        return text
    text.append(f"{score.total}/100", "bold")
    if score.verdict:
        text.append(f" {score.verdict}")
    for part, value in (score.parts or {}).items():
        if isinstance(value, (int, float)):
            text.append(f"\n  {part} {value:.2f}", "dim")
    if score.driver:
        text.append(f"\n  driven by {score.driver}", "dim")
    for flag in score.flags or []:
        text.append(f"\n⚑ {flag}", "yellow")
    if score.judge is not None and score.judge.overall is not None:
        text.append(f"\njudge {score.judge.overall}/100")
    return text


class ComparePanel(Vertical, can_focus=True):
    def __init__(self, session: str, pick: Pick) -> None:
        super().__init__(classes="compare-panel")
        self.session = session
        self.pick = pick

    def compose(self) -> ComposeResult:
        turn, cp = self.pick.turn, self.pick.checkpoint
        head = Text(self.pick.title, "bold")
        head.append(f"\n{seed_text(turn)} · {turn.provider} ({turn.model})", "dim")
        if cp is not None and cp.note:
            head.append(f"\n{cp.note}", "italic")
        yield Static(head, classes="compare-head")
        yield ImageSlot(self.session, turn.images[0], box=COMPARE_BOX, classes="compare-image")
        yield Static(score_lines(turn), classes="compare-score")

    def on_click(self, event: events.Click) -> None:
        self.focus()


class CompareScreen(Screen[tuple[str, Pick] | None]):
    HELP = """
## Compare
The marked pictures side by side, each with its turn, seed, provider, consistency verdict, score
parts and keep-rule flags. **Left/Right** (or Tab) highlight one; **ctrl+s** approves it as a
checkpoint, **ctrl+r** promotes it (reset by promotion into a new session). **Esc** goes back.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Back to the gallery"),
        Binding(
            "ctrl+s", "choose('approve')", "Approve", tooltip="Save the highlighted picture as a checkpoint"
        ),
        Binding(
            "ctrl+r",
            "choose('promote')",
            "Promote",
            tooltip="Reset by promotion from the highlighted picture",
        ),
        Binding("right", "app.focus_next", "Next", show=False, tooltip="Highlight the next picture"),
        Binding(
            "left", "app.focus_previous", "Previous", show=False, tooltip="Highlight the previous picture"
        ),
    ]

    def __init__(self, session: str, picks: list[Pick]) -> None:
        super().__init__()
        self.session_name = session
        self.picks = picks

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="compare-row"):
            for pick in self.picks:
                yield ComparePanel(self.session_name, pick)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"{self.session_name} — comparing {len(self.picks)}"
        self.query(ComparePanel).first().focus()

    def action_choose(self, what: str) -> None:
        panel = self.focused if isinstance(self.focused, ComparePanel) else None
        if panel is None:
            self.notify("Highlight a picture first (Left/Right).", severity="warning")
            return
        self.dismiss((what, panel.pick))

    def action_close(self) -> None:
        self.dismiss(None)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("Approve highlighted", "Save it as a checkpoint", "choose('approve')"),
            PaletteCommand("Promote highlighted", "Reset by promotion from it", "choose('promote')"),
            PaletteCommand("Back to the gallery", "Close the comparison", "close"),
        ]

"""One turn of the conversation: prompt, image, reply, parameters, provider, time taken, status."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from session_tui.domain.model import Checkpoint, Turn
from session_tui.engine.outputs import format_score
from session_tui.tui.widgets.image_slot import ImageSlot

STATUS_STYLE = {
    "ok": "green",
    "pending": "yellow",
    "failed": "red",
    "interrupted": "red",
    "cancelled": "yellow",
}


def turn_meta(turn: Turn) -> Text:
    p = turn.params
    seed = f"seed {p.seed}" if p.seed is not None else "no seed"
    if p.seed is not None and not turn.seed_honoured:
        seed += " (not honoured)"
    took = f" · {turn.duration_s:.1f}s" if turn.duration_s is not None else ""
    text = Text.assemble((f"#{turn.index} ", "bold"), (turn.status, STATUS_STYLE.get(turn.status, "")))
    text.append(f" · {p.aspect_ratio} {p.image_size} {seed} · {turn.provider} ({turn.model}){took}", "dim")
    return text


class TurnView(Vertical):
    """Click to select; the screen's actions (approve, fork, view) work on the selected turn."""

    class Clicked(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, session: str, turn: Turn, checkpoints: list[Checkpoint]) -> None:
        super().__init__(id=f"turn-{turn.index}", classes=f"turn -{turn.status}")
        self.session = session
        self.turn = turn
        self.checkpoints = checkpoints

    def compose(self) -> ComposeResult:
        turn = self.turn
        yield Static(turn_meta(turn), classes="turn-meta")
        yield Static(Text(turn.prompt), classes="turn-prompt")
        if turn.images:
            yield ImageSlot(self.session, turn.images[0], classes="turn-image")
            if len(turn.images) > 1:
                yield Static(Text(f"(+{len(turn.images) - 1} more image(s))", "dim"))
        if turn.reply_text:
            yield Static(Text(turn.reply_text), classes="turn-reply")
        if turn.score and (turn.score.get("total") is not None or turn.score.get("error")):
            yield Static(Text(f"consistency {format_score(turn.score)}"), classes="turn-score")
        if turn.error:
            yield Static(Text(f"{turn.status}: {turn.error}"), classes="turn-error")
        for cp in self.checkpoints:
            label = f" {cp.label}" if cp.label else ""
            note = f" — {cp.note}" if cp.note else ""
            yield Static(Text(f"★ {cp.id}{label}{note}"), classes="turn-checkpoint")

    def update(self, turn: Turn, checkpoints: list[Checkpoint]) -> None:
        if turn == self.turn and checkpoints == self.checkpoints:
            return
        self.turn, self.checkpoints = turn, checkpoints
        self.set_classes(f"turn -{turn.status}" + (" -selected" if self.has_class("-selected") else ""))
        self.refresh(recompose=True)

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Clicked(self.turn.index))


class PendingTurn(Vertical):
    """Stands in for the turn being drawn until the engine has stored it."""

    def __init__(self, prompt: str) -> None:
        super().__init__(id="pending-turn", classes="turn -pending")
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        yield Static(Text("drawing…", "yellow"), classes="turn-meta")
        yield Static(Text(self.prompt), classes="turn-prompt")

"""One turn of the conversation: prompt, image, reply, parameters, provider, time taken, status."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from session_tui.domain.model import Checkpoint, Turn
from session_tui.domain.wording import plural
from session_tui.engine.outputs import format_score
from session_tui.tui.widgets.image_slot import ImageSlot

THUMB_BOX = 256  # the conversation keeps small pictures; the detail view shows the selected one large

STATUS_STYLE = {
    "ok": "green",
    "pending": "yellow",
    "failed": "red",
    "interrupted": "red",
    "cancelled": "yellow",
}


# A prompt longer than this is shown cut, with a way to expand it (a pasted 120 KB prompt would
# otherwise be drawn as 1,500 lines).
PROMPT_LINES = 4
PROMPT_CHARS = 400


def seed_text(turn: Turn) -> str:
    """The seed asked for, else the one the provider says it used, else "random seed"."""
    p = turn.params
    if p.seed is not None:
        return f"seed {p.seed}" + ("" if turn.seed_honoured else " (not honoured)")
    used = turn.provider_state.get("seed_used")
    if isinstance(used, int) and not isinstance(used, bool):
        return f"seed {used} (random)"
    return "random seed"


def turn_meta(turn: Turn, cost: str = "") -> Text:
    p = turn.params
    took = f" · {turn.duration_s:.1f}s" if turn.duration_s is not None else ""
    text = Text.assemble((f"#{turn.index} ", "bold"), (turn.status, STATUS_STYLE.get(turn.status, "")))
    text.append(
        f" · {p.aspect_ratio} {p.image_size} {seed_text(turn)} · {turn.provider} ({turn.model}){took}", "dim"
    )
    if cost:
        text.append(f" · {cost}", "dim")
    return text


def is_long(prompt: str) -> bool:
    return len(prompt) > PROMPT_CHARS or prompt.count("\n") >= PROMPT_LINES


def prompt_text(prompt: str, expanded: bool) -> Text:
    """The prompt, cut to a few lines unless ``expanded``, saying how to see the rest."""
    if expanded or not is_long(prompt):
        return Text(prompt)
    head = "\n".join(prompt.split("\n")[:PROMPT_LINES])[:PROMPT_CHARS]
    text = Text(head.rstrip() + "…")
    text.append(
        f"\n  ({len(prompt) - len(head):,} more characters: select the turn and press e)", "dim italic"
    )
    return text


class TurnView(Vertical):
    """Click to select; the screen's actions (approve, fork, view) work on the selected turn."""

    class Clicked(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, session: str, turn: Turn, checkpoints: list[Checkpoint], cost: str = "") -> None:
        super().__init__(id=f"turn-{turn.index}", classes=f"turn -{turn.status}")
        self.session = session
        self.turn = turn
        self.checkpoints = checkpoints
        self.expanded = False
        self.cost = cost

    def compose(self) -> ComposeResult:
        turn = self.turn
        yield Static(turn_meta(turn, self.cost), classes="turn-meta")
        yield Static(prompt_text(turn.prompt, self.expanded), classes="turn-prompt")
        if turn.images:
            yield ImageSlot(self.session, turn.images[0], box=THUMB_BOX, classes="turn-image")
            if len(turn.images) > 1:
                yield Static(Text(f"(+{plural(len(turn.images) - 1, 'more image', 'more images')})", "dim"))
        if turn.reply_text:
            yield Static(Text(turn.reply_text), classes="turn-reply")
        if turn.score and (turn.score.total is not None or turn.score.error):
            yield Static(Text(f"consistency {format_score(turn.score)}"), classes="turn-score")
        if turn.error:
            yield Static(Text(f"{turn.status}: {turn.error}"), classes="turn-error")
        for cp in self.checkpoints:
            label = f" {cp.label}" if cp.label else ""
            yield Static(Text(f"★ {cp.id}{label}"), classes="turn-checkpoint")
            if cp.note:  # its own indented block, so a long note does not wrap under the star
                yield Static(Text(cp.note), classes="checkpoint-note")

    def toggle_prompt(self) -> bool:
        """Expand a long prompt, or collapse it again; False when the prompt is short."""
        if not is_long(self.turn.prompt):
            return False
        self.expanded = not self.expanded
        self.query_one(".turn-prompt", Static).update(prompt_text(self.turn.prompt, self.expanded))
        return True

    def update(self, turn: Turn, checkpoints: list[Checkpoint], cost: str = "") -> None:
        if turn == self.turn and checkpoints == self.checkpoints and cost == self.cost:
            return
        self.turn, self.checkpoints, self.cost = turn, checkpoints, cost
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
        yield Static(prompt_text(self.prompt, False), classes="turn-prompt")

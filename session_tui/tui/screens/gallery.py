"""F5: the session's pictures as a grid; mark two to four and compare them side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from session_tui.domain.model import Checkpoint, Session, Turn
from session_tui.domain.records import Score
from session_tui.domain.wording import plural
from session_tui.tui.screens.base import PaletteCommand, engine_of, run_engine
from session_tui.tui.screens.compare import CompareScreen, Pick
from session_tui.tui.widgets.image_slot import ImageSlot
from session_tui.tui.widgets.turn_view import seed_text

MAX_MARKED = 4
GALLERY_BOX = 256


@dataclass(frozen=True)
class Card:
    """One picture of the gallery: a turn's first image, and the checkpoint made of it, if any."""

    turn: Turn
    checkpoint: Checkpoint | None

    @property
    def title(self) -> str:
        cp = self.checkpoint
        if cp is None:
            return f"turn {self.turn.index}"
        return f"★ {cp.id}" + (f" {cp.label}" if cp.label else "") + f" · turn {self.turn.index}"


def verdict(turn: Turn) -> str:
    score = turn.score or Score()
    if score.error:
        return "not scored"
    if score.total is None:
        return "no score"
    return f"{score.total}/100" + (f" {score.verdict}" if score.verdict else "")


def cards_of(session: Session, every_turn: bool) -> list[Card]:
    """The checkpoints (newest last), or every turn with a picture with its checkpoint if any."""
    turns = {t.index: t for t in session.turns}
    if not every_turn:
        return [
            Card(turns[c.turn], c) for c in session.checkpoints if c.turn in turns and turns[c.turn].images
        ]
    latest: dict[int, Checkpoint] = {c.turn: c for c in session.checkpoints}
    return [Card(t, latest.get(t.index)) for t in session.turns if t.status == "ok" and t.images]


class GalleryCard(Vertical, can_focus=True):
    """A picture with its label, note, turn, seed, provider and verdict; Space marks it."""

    def __init__(self, session: str, card: Card) -> None:
        super().__init__(classes="gallery-card")
        self.session = session
        self.card = card
        self.marked = False

    def compose(self) -> ComposeResult:
        turn, cp = self.card.turn, self.card.checkpoint
        yield ImageSlot(self.session, turn.images[0], box=GALLERY_BOX, classes="gallery-image")
        text = Text(self.card.title, "bold")
        if cp is not None and cp.note:
            text.append(f"\n{cp.note}", "italic")
        text.append(f"\n{seed_text(turn)} · {turn.provider}", "dim")
        text.append(f"\n{verdict(turn)}")
        yield Static(text, classes="gallery-text")

    def set_marked(self, marked: bool) -> None:
        self.marked = marked
        self.set_class(marked, "-marked")
        self.border_title = "✓ marked" if marked else None

    def on_click(self, event: events.Click) -> None:
        self.focus()


class GalleryScreen(Screen[tuple[str, Pick] | None]):
    HELP = """
## Gallery
The session's checkpoints as a grid (press **a** for every turn with a picture), each with its
label, note, turn, seed, provider and consistency verdict.

- **Arrows** or Tab move; **Space** marks a picture (two to four); **Enter** or **c** compares the
  marked ones side by side with their score parts and keep-rule flags.
- In the comparison, **ctrl+s** approves and **ctrl+r** promotes (reset) the highlighted picture.
- **Esc** goes back to the session.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Back to the session"),
        Binding("space", "mark", "Mark", tooltip="Mark or unmark the focused picture (two to four)"),
        Binding("enter,c", "compare", "Compare", tooltip="Show the marked pictures side by side"),
        Binding("a", "toggle_all", "All turns", tooltip="Show every turn's picture, or checkpoints only"),
        Binding("right", "move(1)", "Next", show=False, tooltip="The next picture"),
        Binding("left", "move(-1)", "Previous", show=False, tooltip="The previous picture"),
        Binding("down", "move_row(1)", "Down", show=False, tooltip="The picture below"),
        Binding("up", "move_row(-1)", "Up", show=False, tooltip="The picture above"),
    ]

    def __init__(self, session: str) -> None:
        super().__init__()
        self.session_name = session
        self.session: Session | None = None
        self.every_turn = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the pictures…", id="gallery-caption")
        yield VerticalScroll(id="gallery-grid")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"{self.session_name} — gallery"
        engine, name = engine_of(self), self.session_name
        run_engine(self, lambda: engine.load(name), self._loaded)

    def _loaded(self, session: Session) -> None:
        self.session = session
        if not session.checkpoints:
            self.every_turn = True  # nothing approved yet: the pictures are what there is
        self.call_later(self._fill)

    async def _fill(self) -> None:
        if self.session is None:
            return
        cards = cards_of(self.session, self.every_turn)
        what = "every turn with a picture" if self.every_turn else "checkpoints"
        self.query_one("#gallery-caption", Static).update(
            Text(
                f"{plural(len(cards), 'picture')}: {what} (a toggles) · "
                f"Space marks 2-{MAX_MARKED} · Enter compares",
                "dim",
            )
        )
        grid = self.query_one("#gallery-grid", VerticalScroll)
        await grid.remove_children()
        if not cards:
            await grid.mount(
                Static("No pictures yet: draw some in the session first.", classes="picture-note")
            )
            return
        await grid.mount_all(GalleryCard(self.session_name, c) for c in cards)
        self.cards()[-1].focus()

    def cards(self) -> list[GalleryCard]:
        return list(self.query(GalleryCard))

    def marked(self) -> list[GalleryCard]:
        return [c for c in self.cards() if c.marked]

    def columns(self) -> int:
        """How many cards a row holds (set by app.tcss by the terminal's width)."""
        cards = self.cards()
        if len(cards) < 2:
            return 1
        y = cards[0].region.y
        return max(1, sum(1 for c in cards if c.region.y == y))

    def _focused_index(self) -> int | None:
        cards = self.cards()
        return cards.index(self.focused) if self.focused in cards else None

    def action_move(self, delta: int) -> None:
        cards, at = self.cards(), self._focused_index()
        if cards:
            cards[max(0, min(len(cards) - 1, (at if at is not None else 0) + delta))].focus()

    def action_move_row(self, delta: int) -> None:
        self.action_move(delta * self.columns())

    def action_mark(self) -> None:
        at = self._focused_index()
        if at is None:
            return
        card = self.cards()[at]
        if not card.marked and len(self.marked()) >= MAX_MARKED:
            self.notify(
                f"At most {MAX_MARKED} pictures can be compared; unmark one first.", severity="warning"
            )
            return
        card.set_marked(not card.marked)

    async def action_toggle_all(self) -> None:
        self.every_turn = not self.every_turn
        await self._fill()

    def action_compare(self) -> None:
        marked = self.marked()
        if len(marked) < 2:
            self.notify("Mark two to four pictures with Space first.", severity="warning")
            return
        picks = [Pick(c.card.turn, c.card.checkpoint, c.card.title) for c in marked]
        self.app.push_screen(CompareScreen(self.session_name, picks), self._after_compare)

    def _after_compare(self, result: tuple[str, Pick] | None) -> None:
        if result is not None:
            self.dismiss(result)  # the session screen approves or promotes

    def action_close(self) -> None:
        self.dismiss(None)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("Mark picture", "Mark or unmark the focused picture", "mark"),
            PaletteCommand("Compare marked", "Show the marked pictures side by side", "compare"),
            PaletteCommand("Every turn / checkpoints", "Toggle which pictures the grid shows", "toggle_all"),
            PaletteCommand("Back to the session", "Close the gallery", "close"),
        ]

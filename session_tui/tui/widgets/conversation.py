"""The conversation: the last turns of a session in a scrolling view, newest at the bottom."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static

from session_tui.domain.model import Checkpoint, Session, Turn
from session_tui.tui.widgets.turn_view import PendingTurn, TurnView

# Mounting every turn of a long session would make opening it cost more the longer it grows; the
# window holds the newest turns (a few screens' worth) and grows a page at a time when the user
# scrolls to its top or presses the button there.
WINDOW = 6
PAGE = 10
# The first frame gets only the newest turns, as many as a screen shows (at 40 rows, one turn and
# a half); the rest of the window is mounted above them, out of sight, right after it is drawn.
FIRST = 2
FIRST_READ = WINDOW + PAGE  # the turns built when a session is opened


class Conversation(VerticalScroll, can_focus=True):
    """Up/Down select a turn; the screen's actions work on the selected turn."""

    HELP = """
## Conversation
Every turn of the session: what you asked, the image that came back, the reply, the parameters,
the provider, the time taken and the status. Long sessions show their newest turns; press
**Show earlier turns** at the top for more.

- **Up / Down** select a turn; its picture is shown large in the picture pane; **Enter** shows it
  full size; **e** expands (or collapses) a long prompt.
- With a turn selected, **ctrl+s** approves it, **ctrl+r** promotes it, **ctrl+f** forks from it.
- **ctrl+t** comes here from anywhere on the screen; Tab goes prompt → conversation → panels.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "select_previous", "Previous turn", show=False, tooltip="Select the turn above"),
        Binding("down", "select_next", "Next turn", show=False, tooltip="Select the turn below"),
        Binding("enter", "view", "View image", tooltip="Show the selected turn's image full size"),
        Binding(
            "e", "expand", "Expand prompt", show=False, tooltip="Show all of a long prompt, or cut it again"
        ),
    ]

    selected: reactive[int | None] = reactive(None)

    class ViewRequested(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Selected(Message):
        """The selected turn changed (None: nothing selected, actions go to the newest image)."""

        def __init__(self, turn: Turn | None) -> None:
            super().__init__()
            self.turn = turn

    class EarlierWanted(Message):
        """Turns older than those read are to be shown: read the session again, ``wanted`` turns deep."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_name = ""
        self._turns: list[Turn] = []  # the turns read: the newest ones
        self._earlier: dict[int, str] = {}  # the turns before them, not read: index to prompt
        self._checkpoints: list[Checkpoint] = []
        self._first_shown = 0  # position in _turns of the first mounted turn
        # How many of the newest turns the screen's next read builds: those mounted and a page
        # more, so a long session's turns are never all held (Session.earlier).
        self.wanted = FIRST_READ
        self._paging: bool | None = None  # a page above the turns read was asked for (keep_place)
        self._reveal: int | None = None  # a turn to select once it has been read
        self.cost_of: Callable[[Turn], str] = _no_cost  # the screen sets the cost estimate's text

    def on_mount(self) -> None:
        self.anchor()  # stay at the newest turn, so the first paint draws only the last images
        self.watch(self, "scroll_y", self._scrolled, init=False)

    def _scrolled(self, old: float, new: float) -> None:
        if new <= 0 < old and self._hidden() > 0:
            self.call_later(self.show_more, keep_place=True)

    def _keep_read(self) -> None:
        """Every mounted turn stays among those read next, and a page above them."""
        self.wanted = max(self.wanted, len(self._turns) - self._first_shown + PAGE)

    def _hidden(self) -> int:
        """Turns above the mounted ones, read or not."""
        return len(self._earlier) + self._first_shown

    # -- what is shown ------------------------------------------------------------------------
    def _cps(self, turn: Turn) -> list[Checkpoint]:
        return [c for c in self._checkpoints if c.turn == turn.index]

    def show(self, session: Session) -> None:
        """Show ``session``'s newest turns, scrolled to the end."""
        if self.session_name == session.name and self.children:
            # Turns are only ever added or finished, so a re-read is a sync; remounting would
            # also race the removal of widgets with the same ids.
            self.sync(session)
            self.selected = None
            self.anchor()
            return
        self.session_name = session.name
        self._turns, self._checkpoints = list(session.turns), list(session.checkpoints)
        self._earlier = dict(session.earlier)
        self._first_shown = max(0, len(self._turns) - FIRST)
        self.mount_all(self._views(self._turns[self._first_shown :]))
        self._update_empty_note()
        self.selected = None
        self.anchor()
        self.call_after_refresh(self._fill_window)

    async def _fill_window(self) -> None:
        """The rest of the window, and the button above it: both out of sight in the first frame."""
        if self.is_attached:
            await self._show_from(max(0, len(self._turns) - WINDOW))
            self._update_more_button()

    def sync(self, session: Session) -> None:
        """Bring the view up to date with ``session``: changed turns redrawn, new ones appended, and
        a page or a turn asked for from above shown once it has been read."""
        self._turns, self._checkpoints = list(session.turns), list(session.checkpoints)
        self._earlier = dict(session.earlier)
        self.clear_pending()
        views = {v.turn.index: v for v in self.query_children(TurnView)}
        positions = {t.index: n for n, t in enumerate(self._turns)}
        shown = [positions[i] for i in views if i in positions]
        # Earlier turns may have been read (a page asked for): the mounted ones keep their place.
        self._first_shown = min(shown) if shown else max(0, len(self._turns) - WINDOW)
        new: list[TurnView] = []
        for turn in self._turns[self._first_shown :]:
            view = views.get(turn.index)
            if view is None:
                new.append(TurnView(self.session_name, turn, self._cps(turn), self.cost_of(turn)))
            else:
                view.update(turn, self._cps(turn), self.cost_of(turn))
        if new:
            self.mount_all(new)
            self.selected = None  # actions go to the newest image again
            self.anchor()
            self._keep_read()
        self._update_more_button()
        self._update_empty_note()
        if self._paging is not None:
            keep_place, self._paging = self._paging, None
            self.call_later(self.show_more, keep_place=keep_place)
        if self._reveal is not None:
            target, self._reveal = self._reveal, None
            self.call_later(self.reveal, target)

    def show_pending(self, prompt: str) -> None:
        self.clear_pending()
        self.mount(PendingTurn(prompt))
        self.anchor()

    def clear_pending(self) -> None:
        for pending in self.query_children(PendingTurn):
            pending.remove()

    def _views(self, turns: list[Turn]) -> list[TurnView]:
        return [TurnView(self.session_name, t, self._cps(t), self.cost_of(t)) for t in turns]

    def _update_empty_note(self) -> None:
        notes = list(self.query_children("#no-turns").results(Static))
        if self._turns:
            for note in notes:
                note.remove()
        elif not notes:
            self.mount(
                Static(
                    "No turns yet. Describe the first image in the prompt below and press Enter; "
                    "references and the character spec (F2) are sent with it.",
                    id="no-turns",
                )
            )

    def _update_more_button(self) -> None:
        buttons = list(self.query_children("#more-turns").results(Button))
        hidden = self._hidden()
        if hidden == 0:
            for b in buttons:
                b.remove()
            return
        label = f"Show earlier turns ({hidden} not shown)"
        if buttons:
            buttons[0].label = label
        else:
            self.mount(Button(label, id="more-turns", compact=True), before=0)

    @on(Button.Pressed, "#more-turns")
    async def _more_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.show_more()

    async def show_more(self, *, keep_place: bool = False) -> None:
        """Mount the previous page of turns; with ``keep_place`` the view stays where it was."""
        if self._first_shown == 0:
            if self._earlier and self._paging is None:  # not read yet: ask for them, mount them when here
                self._paging = keep_place
                self._keep_read()  # every turn read is mounted: a page beyond them
                self.post_message(self.EarlierWanted())
            return
        anchor = next(iter(self.query_children(TurnView)), None)
        await self._show_from(max(0, self._first_shown - PAGE))
        if keep_place and anchor is not None:
            self.call_after_refresh(lambda: self.scroll_to(y=anchor.virtual_region.y - 1, animate=False))

    async def _show_from(self, start: int) -> None:
        if start >= self._first_shown:
            return
        views = self._views(self._turns[start : self._first_shown])
        first = next(iter(self.query_children(TurnView)), None)
        self._first_shown = start
        self._keep_read()
        self._update_more_button()
        if first is not None:
            await self.mount_all(views, before=first)
        else:
            await self.mount_all(views)

    # -- selection ----------------------------------------------------------------------------
    def view_of(self, index: int) -> TurnView | None:
        return next((v for v in self.query_children(TurnView) if v.turn.index == index), None)

    async def reveal(self, index: int) -> None:
        """Select turn ``index``, mounting earlier turns if it is outside the window."""
        position = next((i for i, t in enumerate(self._turns) if t.index == index), None)
        if position is None:
            if index in self._earlier:  # not read yet: read back to it, then select it
                self._reveal = index
                self.wanted = max(
                    self.wanted, len(self._turns) + sum(i >= index for i in self._earlier) + PAGE
                )
                self.post_message(self.EarlierWanted())
            return
        if position < self._first_shown:
            await self._show_from(position)
        self.selected = index
        self.call_after_refresh(self._scroll_to_selected)

    def _scroll_to_selected(self) -> None:
        view = self.view_of(self.selected) if self.selected is not None else None
        if view is not None:
            self.release_anchor()
            self.scroll_to_widget(view, animate=False, top=True)

    def watch_selected(self, old: int | None, new: int | None) -> None:
        for index, on_ in ((old, False), (new, True)):
            view = self.view_of(index) if index is not None else None
            if view is not None:
                view.set_class(on_, "-selected")
        if new is not None:
            self._scroll_to_selected()
        self.post_message(self.Selected(self.selected_turn()))

    def selected_turn(self) -> Turn | None:
        return next((t for t in self._turns if t.index == self.selected), None)

    async def _step(self, delta: int) -> None:
        shown = [t.index for t in self._turns[self._first_shown :]]
        if not shown:
            return
        if self.selected not in shown:
            self.selected = shown[-1]
            return
        pos = shown.index(self.selected) + delta
        if pos < 0 and self._hidden() > 0:
            before = self._first_shown
            await self.show_more()
            if self._first_shown < before:  # else they are being read: Up again once they are here
                await self._step(delta)
            return
        self.selected = shown[max(0, min(len(shown) - 1, pos))]

    async def action_select_previous(self) -> None:
        await self._step(-1)

    async def action_select_next(self) -> None:
        await self._step(1)

    def action_expand(self) -> None:
        view = self.view_of(self.selected) if self.selected is not None else None
        if view is None:
            self.app.notify("Select a turn with Up/Down first.", severity="warning")
        elif not view.toggle_prompt():
            self.app.notify("This turn's prompt is shown in full already.", timeout=3)

    def action_view(self) -> None:
        if self.selected is not None:
            self.post_message(self.ViewRequested(self.selected))

    @on(TurnView.Clicked)
    def _clicked(self, event: TurnView.Clicked) -> None:
        self.selected = event.index
        self.focus()


def _no_cost(turn: Turn) -> str:
    return ""

"""The picture pane: the selected (or newest) turn's picture, as large as the pane allows."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PIL import Image as PILImage
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.widgets import Static

from session_tui.domain.model import ImageRef, Turn
from session_tui.errors import SessionTuiError

if TYPE_CHECKING:
    from session_tui.tui.app import SessionTuiApp

# Enough pixels for a full-screen pane on a large terminal; textual-image scales to the cells.
PANE_BOX = 1024


class PicturePane(Vertical):
    HELP = """
## Picture
The selected turn's picture (the newest one while no turn is selected), as large as this pane
allows; it is redrawn when the terminal is resized. Select turns in the conversation with
**Up/Down** (**ctrl+t** goes there); **ctrl+g** shows the picture full screen.
"""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = ""
        self.ref: ImageRef | None = None
        self._caption = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="picture-caption")
        yield Container(Static("No picture yet.", classes="picture-note"), id="picture-frame")

    def show(self, session: str, turn: Turn | None) -> None:
        """Show ``turn``'s first picture (read off the UI thread), or say there is none."""
        ref = turn.images[0] if turn is not None and turn.images else None
        caption = (
            Text.assemble((f"#{turn.index} ", "bold"), (turn.prompt.split("\n", 1)[0][:200], "dim"))
            if turn is not None
            else Text("No picture yet.", "dim")
        )
        self.query_one("#picture-caption", Static).update(caption)
        if ref is not None and self.ref is not None and ref.sha256 == self.ref.sha256:
            return
        self.session, self.ref = session, ref
        frame = self.query_one("#picture-frame", Container)
        frame.remove_children()
        if ref is None:
            note = "This turn has no picture." if turn is not None else "No picture yet."
            frame.mount(Static(note, classes="picture-note"))
            return
        frame.mount(Static(f"image {ref.width}×{ref.height} …", classes="picture-note"))
        self.run_worker(
            lambda: self._fetch(session, ref),
            thread=True,
            group="picture",
            exclusive=True,
            exit_on_error=False,
        )

    def _fetch(self, session: str, ref: ImageRef) -> None:
        app = cast("SessionTuiApp", self.app)
        try:
            image = app.thumbnails.get(session, ref, PANE_BOX)
        except SessionTuiError as exc:
            app.call_from_thread(self._note, ref, f"The picture cannot be shown: {exc.message}")
            return
        app.call_from_thread(self._draw, ref, image)

    def _draw(self, ref: ImageRef, image: PILImage.Image) -> None:
        if not self.is_attached or self.ref is None or self.ref.sha256 != ref.sha256:
            return  # another turn was selected meanwhile
        frame = self.query_one("#picture-frame", Container)
        frame.remove_children()
        frame.mount(cast("SessionTuiApp", self.app).image_class(image))

    def _note(self, ref: ImageRef, text: str) -> None:
        if self.is_attached and self.ref is not None and self.ref.sha256 == ref.sha256:
            frame = self.query_one("#picture-frame", Container)
            frame.remove_children()
            frame.mount(Static(Text(text), classes="picture-note"))

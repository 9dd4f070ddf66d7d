"""One image, as large as the terminal allows."""

from __future__ import annotations

from typing import ClassVar

from PIL import Image as PILImage
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from session_tui.domain.model import ImageRef
from session_tui.tui.images import FULL_VIEW_BOX, decode
from session_tui.tui.screens.base import engine_of, run_engine, tui_of


class ImageViewScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", tooltip="Back to the session")
    ]

    def __init__(self, session: str, ref: ImageRef, caption: str) -> None:
        super().__init__()
        self.session = session
        self.ref = ref
        self.caption = caption

    def compose(self) -> ComposeResult:
        yield Label(
            f"{self.caption} · {self.ref.width}×{self.ref.height} · {self.ref.sha256[:12]}",
            id="view-caption",
            markup=False,
        )
        yield Center(Static("loading…", id="view-loading"), id="view-frame")
        yield Footer()

    def on_mount(self) -> None:
        engine, session, ref = engine_of(self), self.session, self.ref
        run_engine(self, lambda: decode(engine.read_image(session, ref), FULL_VIEW_BOX), self._show)

    def _show(self, image: PILImage.Image) -> None:
        self.query_one("#view-loading").remove()
        self.query_one("#view-frame").mount(tui_of(self).image_class(image))

    def action_close(self) -> None:
        self.dismiss(None)

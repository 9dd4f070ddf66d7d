"""A place for an image that is read and drawn only once it is on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PIL import Image as PILImage
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from session_tui.domain.model import ImageRef
from session_tui.errors import SessionTuiError

if TYPE_CHECKING:
    from session_tui.tui.app import SessionTuiApp


class ImageSlot(Widget):
    """Shows a placeholder until Textual first renders it, which it does only for widgets on screen.

    Its size comes from CSS, never from the image, so laying out a long conversation reads nothing.
    """

    DEFAULT_CSS = """
    ImageSlot { height: 14; width: 1fr; color: $text-muted; }
    ImageSlot > * { width: auto; height: 100%; }
    """

    def __init__(
        self,
        session: str,
        ref: ImageRef,
        *,
        box: int = 384,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.session = session
        self.ref = ref
        self.box = box
        self._requested = False
        self._note = f"image {ref.width}×{ref.height} …"

    @property
    def tui(self) -> SessionTuiApp:
        return cast("SessionTuiApp", self.app)

    @property
    def loaded(self) -> bool:
        return bool(self.children)

    def render(self) -> RenderResult:
        if not self._requested:
            self._requested = True
            cached = self.tui.thumbnails.cached(self.ref, self.box)
            if cached is not None:
                self.call_later(self._show, cached)
            else:
                self.run_worker(self._fetch, thread=True, group="thumbnails", exit_on_error=False)
        return Text(self._note, no_wrap=True, overflow="ellipsis")

    def _fetch(self) -> None:
        try:
            image = self.tui.thumbnails.get(self.session, self.ref, self.box)
        except SessionTuiError as exc:
            self.app.call_from_thread(self._fail, exc.message)
            return
        self.app.call_from_thread(self._show, image)

    def _show(self, image: PILImage.Image) -> None:
        if not self.is_attached or self.children:
            return
        self._note = ""
        self.mount(self.tui.image_class(image))

    def _fail(self, reason: str) -> None:
        self._note = f"image {self.ref.sha256[:12]} cannot be shown: {reason}"
        self.refresh()

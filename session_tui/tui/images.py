"""Pictures in the terminal: which drawing method to use, and a cache of decoded thumbnails.

textual-image draws with the Kitty graphics protocol or Sixel where the terminal has them and with
Unicode half-blocks otherwise. Only decoded, shrunk copies are kept, and only for images that were
actually shown, so opening a long session costs the same as opening a short one.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from PIL import Image as PILImage

from session_tui.errors import InvalidInput

if TYPE_CHECKING:
    from textual.widget import Widget

    from session_tui.domain.model import ImageRef
    from session_tui.engine import Engine

IMAGES_ENV = "SESSION_TUI_IMAGES"
MODES: tuple[str, ...] = ("auto", "kitty", "sixel", "halfcell", "unicode")
# A full-size view never needs more pixels than a large terminal can show.
FULL_VIEW_BOX = 2048


def image_mode(environ: Mapping[str, str]) -> str:
    """The drawing method: ``SESSION_TUI_IMAGES`` if set, half-blocks inside tmux or screen, else auto."""
    asked = environ.get(IMAGES_ENV, "").strip().lower() or "auto"
    if asked not in MODES:
        raise InvalidInput(f"{IMAGES_ENV}={asked!r} is not a drawing method; use one of {', '.join(MODES)}.")
    multiplexed = bool(environ.get("TMUX")) or environ.get("TERM", "").startswith(("screen", "tmux"))
    if asked == "auto" and multiplexed:
        # tmux answers the terminal queries itself and drops or garbles Kitty/Sixel output unless
        # specially configured; half-blocks always work there.
        return "halfcell"
    return asked


def image_widget_class(mode: str) -> type[Widget]:
    """The textual-image widget for ``mode``.

    Importing textual-image queries the terminal, which only works before Textual takes over stdin,
    so ``run`` calls this before the app starts.
    """
    from textual_image import widget as ti

    classes: dict[str, type[Widget]] = {
        "auto": ti.Image,
        "kitty": ti.TGPImage,
        "sixel": ti.SixelImage,
        "halfcell": ti.HalfcellImage,
        "unicode": ti.UnicodeImage,
    }
    return classes[mode]


def decode(data: bytes, box: int) -> PILImage.Image:
    """Decode ``data`` and shrink it to fit ``box``×``box`` pixels, flattened onto grey."""
    try:
        with PILImage.open(io.BytesIO(data)) as img:
            img.draft("RGB", (box, box))  # JPEG decodes at a reduced scale: much faster for big files
            img.thumbnail((box, box))
            if img.mode in ("RGBA", "LA", "P", "PA"):
                rgba = img.convert("RGBA")
                flat = PILImage.new("RGB", rgba.size, (128, 128, 128))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                return flat
            return img.convert("RGB")
    except Exception as exc:
        raise InvalidInput(f"The image cannot be drawn ({exc}).") from None


class ThumbnailCache:
    """Decoded thumbnails by (sha256, box), least recently used dropped first; safe across threads."""

    def __init__(self, engine: Engine, capacity: int = 48) -> None:
        self._engine = engine
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, int], PILImage.Image] = OrderedDict()
        self._lock = threading.Lock()
        self.reads = 0  # images read from storage: tests use it to prove loading is lazy

    def cached(self, ref: ImageRef, box: int) -> PILImage.Image | None:
        with self._lock:
            image = self._items.get((ref.sha256, box))
            if image is not None:
                self._items.move_to_end((ref.sha256, box))
            return image

    def get(self, session: str, ref: ImageRef, box: int) -> PILImage.Image:
        """The thumbnail, reading and decoding it on a miss (call from a worker thread)."""
        image = self.cached(ref, box)
        if image is not None:
            return image
        image = decode(self._engine.read_image(session, ref), box)
        with self._lock:
            self.reads += 1
            self._items[(ref.sha256, box)] = image
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return image

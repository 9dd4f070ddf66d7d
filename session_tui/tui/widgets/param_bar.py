"""The parameter bar: provider, aspect ratio, image size and seed, edited in place."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Select

from session_tui.domain.model import SessionHeader
from session_tui.domain.vocabulary import ASPECT_RATIOS, IMAGE_SIZES


class ParamBar(Horizontal):
    HELP = """
## Parameters
What the next turn is sent with, saved as the session's defaults: the **provider** profile, the
**aspect ratio**, the **image size** (1K, 2K or 4K) and the **seed** (empty for a random one;
recorded on every turn even where the provider does not honour it; 0 to 4294967295). A value the
provider does not accept, or a seed out of range, is refused with the reason and the last good value
comes back, so the next send is never blocked by it.

On a narrow terminal the bar takes two lines: provider and ratio, then size and seed.
"""

    class Changed(Message):
        """The user picked a value; the screen asks the engine to validate and save it."""

        def __init__(self, field: str, value: Any) -> None:
            super().__init__()
            self.field = field
            self.value = value

    def __init__(self, profiles: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._profiles = profiles
        self._header: SessionHeader | None = None

    def compose(self) -> ComposeResult:
        # Two groups: side by side when wide, one above the other when narrow (see app.tcss).
        with Horizontal(classes="param-group"):
            yield Label("Provider", classes="param-label")
            yield Select(
                [(p, p) for p in self._profiles], id="param-provider", allow_blank=False, compact=True
            )
            yield Label("Ratio", classes="param-label")
            yield Select([(r, r) for r in ASPECT_RATIOS], id="param-ratio", allow_blank=False, compact=True)
        with Horizontal(classes="param-group"):
            yield Label("Size", classes="param-label")
            yield Select([(s, s) for s in IMAGE_SIZES], id="param-size", allow_blank=False, compact=True)
            yield Label("Seed", classes="param-label")
            yield Input(placeholder="random", id="param-seed", compact=True, max_length=12)

    def show(self, header: SessionHeader) -> None:
        """Display ``header``'s values without announcing them as changes."""
        self._header = header
        provider = self.query_one("#param-provider", Select)
        if header.provider not in self._profiles:
            self._profiles = sorted({*self._profiles, header.provider})
            provider.set_options([(p, p) for p in self._profiles])
        with self.prevent(Select.Changed, Input.Changed):
            provider.value = header.provider
            self.query_one("#param-ratio", Select).value = header.params.aspect_ratio
            self.query_one("#param-size", Select).value = header.params.image_size
            seed = self.query_one("#param-seed", Input)
            seed.value = "" if header.params.seed is None else str(header.params.seed)
            seed.remove_class("-invalid")

    def current(self) -> dict[str, Any]:
        """Ratio and size as shown, for the next send."""
        ratio = self.query_one("#param-ratio", Select).value
        size = self.query_one("#param-size", Select).value
        return {
            "aspect_ratio": ratio if isinstance(ratio, str) else None,
            "image_size": size if isinstance(size, str) else None,
        }

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        field = {"param-provider": "provider", "param-ratio": "aspect_ratio", "param-size": "image_size"}[
            event.select.id or ""
        ]
        if self._header is None or not isinstance(event.value, str):
            return
        saved = {
            "provider": self._header.provider,
            "aspect_ratio": self._header.params.aspect_ratio,
            "image_size": self._header.params.image_size,
        }[field]
        if event.value != saved:
            self.post_message(self.Changed(field, event.value))

    @on(Input.Submitted, "#param-seed")
    @on(Input.Blurred, "#param-seed")
    def _seed_done(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        if self._header is None:
            return
        text = event.value.strip()
        saved = "" if self._header.params.seed is None else str(self._header.params.seed)
        if text != saved:
            self.post_message(self.Changed("seed", text))

    def saved_seed(self) -> str:
        """The seed as last saved (empty for random)."""
        seed = self._header.params.seed if self._header is not None else None
        return "" if seed is None else str(seed)

    def restore_seed(self) -> str:
        """Put the last good seed back in the field (a refused one must not block the next send)."""
        seed = self.query_one("#param-seed", Input)
        with self.prevent(Input.Changed):
            seed.value = self.saved_seed()
        seed.remove_class("-invalid")
        return seed.value

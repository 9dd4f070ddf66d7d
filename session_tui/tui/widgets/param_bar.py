"""The parameter bar: provider, aspect ratio, image size and seed, edited in place."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.message import Message
from textual.widgets import Input, Label, Select

from session_tui.domain.model import SessionHeader
from session_tui.domain.vocabulary import ASPECT_RATIOS, IMAGE_SIZES
from session_tui.errors import SessionTuiError
from session_tui.tui.screens.base import engine_of

NOT_OFFERED = "not offered"


def offered_options(offers: tuple[str, ...], current: str | None) -> list[tuple[str, str]]:
    """The Select options for ``offers``; a ``current`` value outside them stays, marked, so a value
    the user set is never silently replaced (the engine refuses it at send time and says why)."""
    options = [(value, value) for value in offers]
    if current is not None and current not in offers:
        options.append((f"{current} ({NOT_OFFERED})", current))
    return options


def offers_of(node: DOMNode, profile: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The aspect ratios and image sizes ``profile``'s model offers, as the engine says."""
    try:
        caps = engine_of(node).provider(profile).capabilities()
    except SessionTuiError:
        # A profile removed from config.toml since: nothing is known about its model, so the
        # whole vocabulary is offered and the engine's refusal at send time names the problem.
        return ASPECT_RATIOS, IMAGE_SIZES
    return tuple(caps.aspect_ratios), tuple(caps.image_sizes)


class ParamBar(Horizontal):
    HELP = """
## Parameters
What the next turn is sent with, saved as the session's defaults: the **provider** profile, the
**aspect ratio**, the **image size** and the **seed** (empty for a random one; recorded on every
turn even where the provider does not honour it; 0 to 4294967295). The ratio and size lists hold
what the provider's model offers (e.g. 1:8 and 512 only where the model has them), and change with
the provider. A value the session already had that the model does not offer stays in the list,
marked "not offered", so nothing is lost; sending with it is refused with the reason. A value the
provider does not accept, or a seed out of range, is refused and the last good value comes back,
so the next send is never blocked by it.

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
        # What the ratio and size Selects offer now (Select keeps its options private).
        self._options: dict[str, list[tuple[str, str]]] = {
            "param-ratio": [(r, r) for r in ASPECT_RATIOS],
            "param-size": [(s, s) for s in IMAGE_SIZES],
        }

    def compose(self) -> ComposeResult:
        # Two groups: side by side when wide, one above the other when narrow (see app.tcss).
        # The ratio and size lists are the whole vocabulary until a session's provider narrows them.
        with Horizontal(classes="param-group"):
            yield Label("Provider", classes="param-label")
            yield Select(
                [(p, p) for p in self._profiles], id="param-provider", allow_blank=False, compact=True
            )
            yield Label("Ratio", classes="param-label")
            yield Select(self._options["param-ratio"], id="param-ratio", allow_blank=False, compact=True)
        with Horizontal(classes="param-group"):
            yield Label("Size", classes="param-label")
            yield Select(self._options["param-size"], id="param-size", allow_blank=False, compact=True)
            yield Label("Seed", classes="param-label")
            yield Input(placeholder="random", id="param-seed", compact=True, max_length=12)

    def show(self, header: SessionHeader) -> None:
        """Display ``header``'s values, and the ratios and sizes its provider offers, without
        announcing them as changes."""
        self._header = header
        provider = self.query_one("#param-provider", Select)
        if header.provider not in self._profiles:
            self._profiles = sorted({*self._profiles, header.provider})
            with self.prevent(Select.Changed):
                provider.set_options([(p, p) for p in self._profiles])
        with self.prevent(Select.Changed, Input.Changed):
            provider.value = header.provider
            seed = self.query_one("#param-seed", Input)
            seed.value = "" if header.params.seed is None else str(header.params.seed)
            seed.remove_class("-invalid")
        self.offer(header.provider, header.params.aspect_ratio, header.params.image_size)

    def offer(self, profile: str, ratio: str | None, size: str | None) -> None:
        """Let the ratio and size Selects offer what ``profile`` offers, showing ``ratio`` and ``size``."""
        ratios, sizes = offers_of(self, profile)
        marked = False
        for select_id, offers, value in (("param-ratio", ratios, ratio), ("param-size", sizes, size)):
            select = self.query_one(f"#{select_id}", Select)
            options = offered_options(offers, value)
            off = value is not None and value not in offers
            marked = marked or off
            select.set_class(off, "-not-offered")
            with self.prevent(Select.Changed):
                if options != self._options[select_id]:
                    self._options[select_id] = options
                    select.set_options(options)
                    if select.value == value:
                        # set_options picked the value already, so the label it shows may be the
                        # one it had before the mark was added or dropped: draw it again. (mypy
                        # finds naming the reactive through the generic class ambiguous; it is not.)
                        select.mutate_reactive(Select.value)  # type: ignore[misc]
                if value is not None:
                    select.value = value
        # A marked value is wider: two lines at any width, so Seed is never pushed off the bar.
        self.set_class(marked, "-not-offered")

    def options(self, field: str) -> list[tuple[str, str]]:
        """The (label, value) pairs the ``aspect_ratio`` or ``image_size`` Select offers now."""
        return list(self._options["param-ratio" if field == "aspect_ratio" else "param-size"])

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
        if field == "provider":
            # The lists follow the provider picked at once; the values shown stay what they were.
            shown = self.current()
            self.offer(event.value, shown["aspect_ratio"], shown["image_size"])
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

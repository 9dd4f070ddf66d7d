"""The references panel: the images the model is shown on every turn, with their labels."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ListItem, ListView, Static

from session_tui.domain.model import ReferenceImage
from session_tui.tui.widgets.image_slot import ImageSlot


class ReferenceItem(ListItem):
    def __init__(self, session: str, ref: ReferenceImage) -> None:
        super().__init__(classes="reference")
        self.session = session
        self.ref = ref

    def compose(self) -> ComposeResult:
        ref = self.ref
        with Horizontal():
            yield ImageSlot(self.session, ref, box=96, classes="ref-thumb")
            text = Text.assemble((ref.label or "(no label)", "bold"), f"\n{ref.role} · {ref.sha256[:8]}")
            if ref.source_tool:
                text.append(f"\nfrom {ref.source_tool}", "dim")
            yield Static(text, classes="ref-text")


class ReferencesPanel(Vertical):
    HELP = """
## References
The images the model is shown on every turn, counted against the provider's limit.

- **a** adds an image from a path (Tab completes the path), with a label and a role.
- **e** relabels the highlighted reference; **x** or **Delete** removes it (after you confirm).
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "screen.add_reference", "Add reference", tooltip="Add a reference image from a path"),
        Binding(
            "e", "screen.relabel_reference", "Relabel", tooltip="Change the highlighted reference's label"
        ),
        Binding("x,delete", "screen.remove_reference", "Remove", tooltip="Remove the highlighted reference"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("References", id="refs-title", classes="panel-title")
        yield ListView(id="refs-list")

    def show(self, session: str, refs: list[ReferenceImage], limit: int) -> None:
        title = self.query_one("#refs-title", Label)
        over = " over the limit!" if len(refs) > limit else ""
        title.update(f"References {len(refs)}/{limit}{over}")
        title.set_class(len(refs) > limit, "-over")
        listing = self.query_one("#refs-list", ListView)
        current = [item.ref for item in listing.query_children(ReferenceItem)]
        if current == refs:
            return
        index = listing.index
        listing.clear()
        listing.extend(ReferenceItem(session, r) for r in refs)
        if refs:
            listing.index = min(index or 0, len(refs) - 1)

    def highlighted(self) -> ReferenceImage | None:
        item = self.query_one("#refs-list", ListView).highlighted_child
        return item.ref if isinstance(item, ReferenceItem) else None

"""F6: the session's family as a tree, parents and children by reset and fork; Enter opens one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, ListItem, ListView, Static

from session_tui.domain.wording import plural
from session_tui.engine.lineage_view import FamilyNode, FamilyRow, family_rows, family_tree
from session_tui.tui.screens.base import PaletteCommand, engine_of, run_engine
from session_tui.tui.widgets.image_slot import ImageSlot

LINEAGE_BOX = 512
THUMB_BOX = 96  # a row's thumbnail: four terminal lines tall, so this is plenty of pixels
ROW_LINES = 4  # as tall as a row's thumbnail, in .lineage-row's CSS


def node_label(node: FamilyNode, current: str) -> Text:
    """The row's text: the name (reversed for the session the screen was opened from), its counts
    and the edge that made it, each on its own line so a narrow tree still shows them."""
    text = Text(node.name, "bold reverse" if node.name == current else "bold", no_wrap=True)
    if node.error:
        text.append(f"\ndamaged: {node.error}", "red")
    else:
        text.append(f"\n{plural(node.turns, 'turn')} · {node.checkpoints} ★", "dim")
    if node.edge:
        text.append(f"\n← {node.edge}", "italic")
    return text


class FamilyRowItem(ListItem):
    """One session of the family: the tree's guides, its thumbnail and its label."""

    def __init__(self, row: FamilyRow, current: str) -> None:
        super().__init__(classes="lineage-row")
        self.row = row
        self.current = current

    @property
    def node(self) -> FamilyNode:
        return self.row.node

    def compose(self) -> ComposeResult:
        guides = "\n".join([self.row.first, *[self.row.rest] * (ROW_LINES - 1)])
        with Horizontal():
            yield Static(guides, classes="lineage-guides")
            with Vertical(classes="lineage-thumb"):
                if self.node.picture is not None:
                    yield ImageSlot(self.node.name, self.node.picture, box=THUMB_BOX)
                else:
                    yield Static("no picture", classes="picture-note")
            yield Static(node_label(self.node, self.current), classes="lineage-label")


class LineageScreen(Screen[str | None]):
    """Returns the name of the session to open, or None."""

    HELP = """
## Lineage
The family of this session: the oldest ancestor still stored at the top, and under each session
the sessions made from it, each edge naming how (reset from checkpoint cp2, fork at turn 3). Each
row shows the session's picture (its newest checkpoint, else its newest image); the highlighted
session's picture is shown large beside.

- **Up/Down** move; **Enter** opens the highlighted session.
- **Esc** goes back.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Back to where you were"),
        Binding("enter", "open", "Open", priority=True, tooltip="Open the highlighted session"),
    ]

    def __init__(self, session: str) -> None:
        super().__init__()
        self.session_name = session

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="lineage-body"):
            yield ListView(id="lineage-tree")
            with Vertical(id="lineage-picture"):
                yield Static("", id="lineage-caption")
                yield Vertical(id="lineage-frame")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"{self.session_name} — lineage"
        engine, name = engine_of(self), self.session_name
        run_engine(self, lambda: family_tree(engine, name), self._loaded)

    def _loaded(self, root: FamilyNode) -> None:
        self.run_worker(self._fill(root), group="lineage", exclusive=True)

    async def _fill(self, root: FamilyNode) -> None:
        rows = family_rows(root)
        tree = self.query_one("#lineage-tree", ListView)
        await tree.clear()
        await tree.extend(FamilyRowItem(row, self.session_name) for row in rows)
        tree.focus()
        here = next((i for i, r in enumerate(rows) if r.node.name == self.session_name), 0)
        tree.index = here

    @on(ListView.Highlighted, "#lineage-tree")
    def _highlighted(self, event: ListView.Highlighted) -> None:
        frame = self.query_one("#lineage-frame", Vertical)
        frame.remove_children()
        if not isinstance(event.item, FamilyRowItem):
            return
        node = event.item.node
        self.query_one("#lineage-caption", Static).update(Text(node.name, "bold"))
        if node.picture is not None:
            frame.mount(ImageSlot(node.name, node.picture, box=LINEAGE_BOX, classes="lineage-image"))
        else:
            frame.mount(Static("No picture yet.", classes="picture-note"))

    def rows(self) -> list[FamilyRowItem]:
        return list(self.query(FamilyRowItem))

    def highlighted(self) -> FamilyNode | None:
        item = self.query_one("#lineage-tree", ListView).highlighted_child
        return item.node if isinstance(item, FamilyRowItem) else None

    def action_open(self) -> None:
        node = self.highlighted()
        if node is not None:
            self.dismiss(node.name)

    def action_close(self) -> None:
        self.dismiss(None)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("Open session", "Open the highlighted session", "open"),
            PaletteCommand("Back", "Close the lineage tree", "close"),
        ]

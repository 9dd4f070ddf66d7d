"""F6: the session's family as a tree, parents and children by reset and fork; Enter opens one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from session_tui.domain.wording import plural
from session_tui.engine.lineage_view import FamilyNode, family_tree
from session_tui.tui.screens.base import PaletteCommand, engine_of, run_engine
from session_tui.tui.widgets.image_slot import ImageSlot

LINEAGE_BOX = 512


def node_label(node: FamilyNode, current: str) -> Text:
    text = Text(node.name, "bold reverse" if node.name == current else "bold")
    if node.error:
        text.append(f" · damaged: {node.error}", "red")
    else:
        text.append(f" · {plural(node.turns, 'turn')} · {node.checkpoints} ★", "dim")
    if node.edge:
        text.append(f"  ← {node.edge}", "italic")
    return text


class LineageScreen(Screen[str | None]):
    """Returns the name of the session to open, or None."""

    HELP = """
## Lineage
The family of this session: the oldest ancestor still stored at the top, and under each session
the sessions made from it, each edge naming how (reset from checkpoint cp2, fork at turn 3). The
highlighted session's picture (its newest checkpoint, else its newest image) is shown beside.

- **Up/Down** move, **Left/Right** fold and unfold; **Enter** opens the highlighted session.
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
            tree: Tree[FamilyNode] = Tree("family", id="lineage-tree")
            tree.show_root = False
            yield tree
            with Vertical(id="lineage-picture"):
                yield Static("", id="lineage-caption")
                yield Vertical(id="lineage-frame")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"{self.session_name} — lineage"
        engine, name = engine_of(self), self.session_name
        run_engine(self, lambda: family_tree(engine, name), self._loaded)

    def _loaded(self, root: FamilyNode) -> None:
        tree = self.query_one("#lineage-tree", Tree)
        tree.clear()
        current: TreeNode[FamilyNode] | None = None

        def add(parent: TreeNode[FamilyNode], node: FamilyNode) -> None:
            nonlocal current
            branch = parent.add(node_label(node, self.session_name), data=node, expand=True)
            if node.name == self.session_name:
                current = branch
            for child in node.children:
                add(branch, child)
            if not node.children:
                branch.allow_expand = False

        add(tree.root, root)
        tree.focus()
        if current is not None:
            tree.move_cursor(current)

    @on(Tree.NodeHighlighted, "#lineage-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[FamilyNode]) -> None:
        node = event.node.data
        frame = self.query_one("#lineage-frame", Vertical)
        frame.remove_children()
        if node is None:
            return
        self.query_one("#lineage-caption", Static).update(Text(node.name, "bold"))
        if node.picture is not None:
            frame.mount(ImageSlot(node.name, node.picture, box=LINEAGE_BOX, classes="lineage-image"))
        else:
            frame.mount(Static("No picture yet.", classes="picture-note"))

    def highlighted(self) -> FamilyNode | None:
        node = self.query_one("#lineage-tree", Tree).cursor_node
        return node.data if node is not None else None

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

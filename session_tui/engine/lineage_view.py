"""A session's family for the TUI's lineage tree: who it came from and what was made from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from session_tui.domain.model import ImageRef, Lineage, Session
from session_tui.errors import SessionTuiError

if TYPE_CHECKING:
    from session_tui.engine.engine import Engine


@dataclass
class FamilyNode:
    """One session of a family; ``edge`` says how it came from its parent ("" for the root)."""

    name: str
    edge: str = ""
    turns: int = 0
    checkpoints: int = 0
    error: str | None = None
    picture: ImageRef | None = None  # see _picture_of
    children: list[FamilyNode] = field(default_factory=list)

    def walk(self) -> list[FamilyNode]:
        return [self, *(n for c in self.children for n in c.walk())]


def edge_text(parent: Lineage) -> str:
    """``reset from checkpoint cp2`` / ``reset from turn 3`` / ``fork at turn 3``."""
    if parent.kind == "fork":
        return f"fork at turn {parent.turn}"
    if parent.checkpoint:
        return f"reset from checkpoint {parent.checkpoint}" + (
            f" (turn {parent.turn})" if parent.turn else ""
        )
    return f"reset from turn {parent.turn}"


def _picture_of(session: Session) -> ImageRef | None:
    """The newest checkpoint, else the newest picture, else (a reset not sent yet) the image it
    was promoted from, else any reference: the picture that says what the session is."""
    if session.checkpoints:
        return session.checkpoints[-1].image
    last = session.last_image_turn()
    if last is not None:
        return last.images[0]
    refs = session.header.references
    parent = session.header.parent
    promoted = [r for r in refs if parent is not None and r.sha256 == parent.image_sha256]
    chosen = promoted or refs
    return chosen[0] if chosen else None


def family_tree(engine: Engine, name: str) -> FamilyNode:
    """The family of session ``name``: from its oldest ancestor still stored, every descendant.

    Reads only the family's sessions (one newest turn each), never every session's turns.
    """
    summaries = {s.name: s for s in engine.summaries()}
    if name not in summaries:
        engine.load(name, 1)  # raises the engine's own "no such session" refusal
    root, seen = name, {name}
    while (parent := summaries[root].parent_link) and parent in summaries and parent not in seen:
        root = parent
        seen.add(root)
    children: dict[str, list[str]] = {}
    for s in summaries.values():
        if s.parent_link:
            children.setdefault(s.parent_link, []).append(s.name)

    def build(node_name: str, visited: set[str]) -> FamilyNode:
        summary = summaries[node_name]
        node = FamilyNode(
            node_name, turns=summary.turns, checkpoints=summary.checkpoints, error=summary.error
        )
        if summary.error is None:
            try:
                session = engine.load(node_name, 1)
            except SessionTuiError as exc:
                node.error = exc.message
            else:
                node.edge = edge_text(session.header.parent) if session.header.parent else ""
                node.picture = _picture_of(session)
        for child in sorted(children.get(node_name, [])):
            if child not in visited:
                node.children.append(build(child, visited | {child}))
        return node

    return build(root, {root})


@dataclass
class FamilyRow:
    """A session of the family as one row of the drawn tree: the guides left of its picture.

    ``first`` is the guide on the row's first line (``├─● ``), ``rest`` the one on its other lines,
    which carries the lines down to the siblings below and to the row's own children.
    """

    node: FamilyNode
    depth: int
    first: str
    rest: str


def family_rows(root: FamilyNode) -> list[FamilyRow]:
    """The tree flattened top to bottom, each row with its guides (two columns a level): a child's
    ``├─`` sits under its parent's ``●``, so the lines join whatever the row's height."""
    rows: list[FamilyRow] = []

    def visit(node: FamilyNode, prefix: str, depth: int, last: bool) -> None:
        join_first, join_rest = ("", "") if depth == 0 else (("└─", "  ") if last else ("├─", "│ "))
        first = f"{prefix}{join_first}● "
        rest = f"{prefix}{join_rest}{'│ ' if node.children else '  '}"
        rows.append(FamilyRow(node, depth, first, rest))
        for i, child in enumerate(node.children):
            visit(child, prefix + join_rest, depth + 1, i == len(node.children) - 1)

    visit(root, "", 0, True)
    return rows

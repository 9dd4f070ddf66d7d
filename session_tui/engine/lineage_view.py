"""A session's family for the TUI's lineage tree: who it came from and what was made from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from session_tui.domain.model import ImageRef, Lineage
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
    picture: ImageRef | None = None  # the newest checkpoint's image, else the newest picture
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
                last = session.last_image_turn()
                node.picture = (
                    session.checkpoints[-1].image
                    if session.checkpoints
                    else (last.images[0] if last else None)
                )
        for child in sorted(children.get(node_name, [])):
            if child not in visited:
                node.children.append(build(child, visited | {child}))
        return node

    return build(root, {root})

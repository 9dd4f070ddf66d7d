"""The line under the header: provider (and whether it is an AI model), turns, request size."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from session_tui.domain.model import Session

GAUGE_CELLS = 10


@dataclass(frozen=True)
class SessionFacts:
    """What the bar shows, gathered by the screen from the engine."""

    provider_label: str
    is_model: bool
    request_bytes: int
    budget_bytes: int
    reset_threshold: int


def gauge(used: int, budget: int) -> str:
    filled = GAUGE_CELLS if budget <= 0 else min(GAUGE_CELLS, round(GAUGE_CELLS * used / budget))
    return "█" * filled + "░" * (GAUGE_CELLS - filled)


class SessionBar(Static):
    HELP = """
## Session bar
The provider this session draws with (the **offline renderer** is a Pillow drawing, not an AI
model), where the session came from, the number of turns, and roughly how much the next request
sends against the provider's budget, and the session's total cost estimate (recorded token usage
times the model's price; "unknown" where either is not known, "free" offline). Past the reset
threshold (config `reset_threshold`) it suggests a reset by promotion: **ctrl+r**.
"""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[Session, SessionFacts] | None = None
        self._cost = ""

    def show_cost(self, cost: str) -> None:
        """The session's total cost estimate, read after the rest (it needs every turn)."""
        self._cost = cost
        if self._shown is not None:
            self.show(*self._shown)

    def show(self, session: Session, facts: SessionFacts) -> None:
        self._shown = (session, facts)
        h = session.header
        line = Text.assemble((h.name, "bold"), " · ")
        if facts.is_model:
            line.append(facts.provider_label)
        else:
            label = facts.provider_label
            if "not an AI model" not in label:
                label += " (not an AI model)"
            line.append(f" {label}: no key, no network ", "bold black on yellow")
        if h.parent:
            line.append(
                f" · from {h.parent.source} "
                f"({h.parent.kind}, {h.parent.checkpoint or f'turn {h.parent.turn}'})",
                "dim",
            )
        turns = session.turn_count
        mb = facts.request_bytes / 1_000_000
        line.append(
            f"\nturn {turns} (reset at {facts.reset_threshold}) · request ≈ {mb:.2f} "
            f"of {facts.budget_bytes / 1_000_000:.0f} MB {gauge(facts.request_bytes, facts.budget_bytes)}"
        )
        if self._cost:
            line.append(f" · total {self._cost}")
        if turns >= facts.reset_threshold:
            line.append(
                f"  ⚠ {turns} turns: the character may drift — ctrl+r resets by promotion", "bold yellow"
            )
        self.update(line)

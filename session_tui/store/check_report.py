"""What ``session-tui check`` found in one session folder (or in the home's own folders)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DAMAGED = "journal.damaged.jsonl"


@dataclass
class CheckReport:
    """What the check of one session (or of the home's own folders) found and did."""

    name: str
    path: Path
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    turns: int = 0
    checkpoints: int = 0
    images_verified: int = 0
    # Why the folder was not checked at all (another process holds it); such a report is not ok:
    # nothing vouches for the folder, so the check must not say it is fine.
    not_checked: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.not_checked is None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "ok": self.ok,
            "checked": self.not_checked is None,
            "not_checked": self.not_checked,
            "errors": self.errors,
            "warnings": self.warnings,
            "repaired": self.repaired,
            "turns": self.turns,
            "checkpoints": self.checkpoints,
            "images_verified": self.images_verified,
        }


def summary_counts(reports: Iterable[CheckReport]) -> tuple[int, int]:
    """(errors, warnings) over ``reports``."""
    errors = warnings = 0
    for r in reports:
        errors += len(r.errors)
        warnings += len(r.warnings)
    return errors, warnings

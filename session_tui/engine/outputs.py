"""Names from below the engine that the CLI and the TUI show: export results, score lines, check counts.

Kept apart from ``views.py`` because these pull in Pillow and the scoring code, which reading a
session must not load.
"""

from session_tui.export.exporter import ExportResult
from session_tui.export.extras import EXTRA_FILES
from session_tui.scoring.score import format_score
from session_tui.store.check import summary_counts

__all__ = ["EXTRA_FILES", "ExportResult", "format_score", "summary_counts"]

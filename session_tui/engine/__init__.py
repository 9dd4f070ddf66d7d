"""The one door: the only code that locks a session, appends to a journal or rewrites a header.

The CLI and the TUI reach sessions, providers, scores and exports through ``Engine`` alone.
"""

from session_tui.engine.engine import Engine
from session_tui.engine.refs import RefInput

__all__ = ["Engine", "RefInput"]

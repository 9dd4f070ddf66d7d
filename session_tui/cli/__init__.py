"""The command line: a stable contract that scripts rely on."""

from session_tui.cli.main import main

__all__ = ["main"]

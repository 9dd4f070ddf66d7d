"""The Textual TUI: the only part of session-tui that imports Textual.

Everything it reads or writes goes through :class:`session_tui.engine.Engine`.
"""

"""Screens of the TUI: the home screen, the session screen and their modal forms."""

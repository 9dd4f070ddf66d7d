"""Widgets of the TUI: each shows what a screen hands it and posts messages; none touches storage."""

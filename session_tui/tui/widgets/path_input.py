"""A path field that completes file names as you type (Tab or Right accepts the completion)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.binding import Binding
from textual.suggester import Suggester
from textual.widgets import Input


def complete_path(text: str) -> str | None:
    """``text`` extended to the first file or folder it is the start of (folders end with '/')."""
    if not text:
        return None
    path = Path(text).expanduser()
    folder, stem = (path, "") if text.endswith(os.sep) else (path.parent, path.name)
    try:
        names = sorted(e.name + (os.sep if e.is_dir() else "") for e in os.scandir(folder)
                       if e.name.startswith(stem) and (stem.startswith(".") or not e.name.startswith(".")))
    except OSError:
        return None
    for name in names:
        if name != stem:
            return text + name[len(stem):]
    return None


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


class PathInput(Input):
    BINDINGS = [Binding("tab", "complete", "Complete path", show=False)]

    def __init__(self, value: str = "", *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(value, placeholder=placeholder, id=id, suggester=PathSuggester())

    def action_complete(self) -> None:
        suggestion = complete_path(self.value)
        if suggestion and self.cursor_position == len(self.value):
            self.value = suggestion
            self.cursor_position = len(suggestion)
        else:
            self.screen.focus_next()

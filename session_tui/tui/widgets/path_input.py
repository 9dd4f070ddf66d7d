"""A path field that completes file names as you type (Tab or Right accepts the completion)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.suggester import Suggester
from textual.widgets import Input


def path_matches(text: str) -> list[str]:
    """File and folder names ``text`` is the start of, sorted; folders end with '/'."""
    if not text:
        return []
    path = Path(text).expanduser()
    folder, stem = (path, "") if text.endswith(os.sep) else (path.parent, path.name)
    try:
        return sorted(
            e.name + (os.sep if e.is_dir() else "")
            for e in os.scandir(folder)
            if e.name.startswith(stem) and (stem.startswith(".") or not e.name.startswith("."))
        )
    except OSError:
        return []


def complete_path(text: str) -> str | None:
    """``text`` extended as far as the matching names agree, as a shell does; None if it cannot grow."""
    names = path_matches(text)
    stem = "" if text.endswith(os.sep) else Path(text).name
    # Character by character on purpose: a typed name is completed as far as the matches agree.
    common = os.path.commonprefix(names) if names else ""  # noqa: RUF071 -- string prefix wanted
    return text + common[len(stem) :] if len(common) > len(stem) else None


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


class PathInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "complete", "Complete path", show=False)]

    def __init__(self, value: str = "", *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(value, placeholder=placeholder, id=id, suggester=PathSuggester())

    def action_complete(self) -> None:
        """Tab completes the path; with nothing left to complete it moves on, as Tab does elsewhere."""
        if self.cursor_position == len(self.value) and path_matches(self.value):
            grown = complete_path(self.value)
            if grown is not None:
                self.value = grown
                self.cursor_position = len(grown)
            elif len(path_matches(self.value)) > 1:
                self.app.bell()
            else:
                self.screen.focus_next()
            return
        self.screen.focus_next()

"""A progress line while a turn is being drawn: spinner, elapsed time, how to cancel."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import RenderResult
from textual.timer import Timer
from textual.widget import Widget

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class GenerationStatus(Widget):
    DEFAULT_CSS = (
        "GenerationStatus { height: 1; display: none; } GenerationStatus.-active { display: block; }"
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._started = 0.0
        self._text = ""
        self._hint = "Esc cancels"
        self._timer: Timer | None = None

    def start(self, what: str, hint: str = "Esc cancels") -> None:
        self._started = time.monotonic()
        self._text = what
        self._hint = hint
        self.add_class("-active")
        if self._timer is None:
            self._timer = self.set_interval(0.2, self.refresh)
        else:
            self._timer.resume()
        self.refresh()

    def note(self, what: str) -> None:
        self._text = what
        self.refresh()

    def stop(self) -> None:
        self.remove_class("-active")
        if self._timer is not None:
            self._timer.pause()

    @property
    def active(self) -> bool:
        return self.has_class("-active")

    def render(self) -> RenderResult:
        elapsed = time.monotonic() - self._started
        frame = SPINNER[int(elapsed * 5) % len(SPINNER)]
        return Text.assemble(
            (f"{frame} ", "yellow"), self._text, (f" · {elapsed:.1f}s · {self._hint}", "dim")
        )

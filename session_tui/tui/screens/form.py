"""Modal forms: the engine checks what was entered; a refusal stays in the form as one sentence."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from session_tui.errors import SessionTuiError
from session_tui.tui.screens.base import run_engine

V = TypeVar("V")
R = TypeVar("R")


class FormBody(VerticalScroll, can_focus=False):
    """Scrolls a long form without taking the focus from its first field."""


class FormScreen(ModalScreen[R | None], Generic[V, R]):
    """Fill in, then Enter or ctrl+s: ``job(values)`` runs off the UI thread and its result is returned."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything"),
        Binding("ctrl+s", "submit", "OK", tooltip="Submit the form"),
    ]

    TITLE_TEXT = ""
    OK_LABEL = "OK"

    def __init__(self, job: Callable[[V], R]) -> None:
        super().__init__()
        self.job = job
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(self.TITLE_TEXT, classes="form-title")
            with FormBody(classes="form-body"):
                yield from self.fields()
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button(self.OK_LABEL, variant="primary", id="form-ok")
                yield Button("Cancel", id="form-cancel")

    @abstractmethod
    def fields(self) -> ComposeResult: ...

    @abstractmethod
    def values(self) -> V:
        """What was entered; raise InvalidInput for what cannot even be read (e.g. a seed 'abc')."""

    def show_error(self, exc: SessionTuiError) -> None:
        self.busy = False
        error = self.query_one("#form-error", Static)
        error.update(Text(exc.message))  # a service's words: '[/x]' in them is text, not markup
        error.add_class("-shown")

    def action_submit(self) -> None:
        if self.busy:
            return
        try:
            values = self.values()
        except SessionTuiError as exc:
            self.show_error(exc)
            return
        self.busy = True
        run_engine(self, lambda: self.job(values), self.dismiss, self.show_error)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#form-ok")
    def _ok(self, event: Button.Pressed) -> None:
        self.action_submit()

    @on(Button.Pressed, "#form-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        self.action_cancel()


class TextFormScreen(FormScreen[str, Any]):
    """One line of text: a name for a fork, a label for a reference."""

    def __init__(
        self,
        title: str,
        label: str,
        value: str,
        job: Callable[[str], Any],
        *,
        ok: str = "OK",
        explain: str = "",
    ) -> None:
        super().__init__(job)
        self.TITLE_TEXT = title
        self.OK_LABEL = ok
        self._label = label
        self._value = value
        self._explain = explain

    def fields(self) -> ComposeResult:
        if self._explain:
            yield Static(self._explain, classes="form-explain")
        yield Label(self._label)
        yield Input(self._value, id="form-text")

    def values(self) -> str:
        return self.query_one("#form-text", Input).value.strip()

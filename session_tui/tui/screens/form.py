"""Modal forms: the engine checks what was entered; a refusal stays in the form as one sentence."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, overload

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from session_tui.errors import SessionTuiError
from session_tui.tui.screens.base import run_engine

V = TypeVar("V")
R = TypeVar("R")


class FormBody(VerticalScroll, can_focus=False):
    """Scrolls a long form without taking the focus from its first field."""


class FormScreen(ModalScreen[R | None], Generic[V, R]):
    """Fill in, then Enter or ctrl+s: ``job(values)`` runs off the UI thread and its result is returned."""

    HELP = """
## Form
Fill in the fields (Tab moves between them), then **ctrl+s** or Enter in a text field. What the
engine refuses is said in the form, in one sentence, and nothing is changed; Esc closes the form.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything"),
        Binding("ctrl+s", "submit", "OK", tooltip="Submit the form"),
        # A modal screen hides the app's bindings, so the form names F1 itself.
        Binding("f1", "app.explain", "Help", tooltip="Explain this form and its keys"),
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


@dataclass(frozen=True)
class Choice:
    """A pick beside a form's text field: what it is called, its options and the one shown first."""

    label: str
    options: list[str]
    value: str


def choice_select(choice: Choice, id: str) -> Select[str]:
    """A Select of ``choice``'s options showing its value (kept even if it is not among them, as a
    session's provider whose profile was removed from config.toml since)."""
    options = list(dict.fromkeys([*choice.options, choice.value]))
    return Select([(o, o) for o in options], value=choice.value, allow_blank=False, id=id)


def chosen(form: ModalScreen[Any], id: str, default: str) -> str:
    """The value of the Select ``id`` in ``form`` (``default`` if it has none)."""
    value = form.query_one(f"#{id}", Select).value
    return value if isinstance(value, str) else default


def labelled_pair(label: str, field: Input, choice: Choice, choice_id: str) -> ComposeResult:
    """A text field and a choice side by side, each under its label: no taller than the field
    alone, so a form that fitted 80×24 still does."""
    with Horizontal(classes="form-pair"):
        with Vertical(classes="form-pair-text"):
            yield Label(label)
            yield field
        with Vertical(classes="form-pair-choice"):
            yield Label(choice.label)
            yield choice_select(choice, choice_id)


@dataclass(frozen=True)
class TextValues:
    text: str
    choice: str | None  # None: the form has no choice


class TextFormScreen(FormScreen[TextValues, Any]):
    """One line of text: a name for a fork, a label for a reference; optionally a choice beside it
    (the provider profile of a fork), and then the job is given both."""

    @overload
    def __init__(
        self,
        title: str,
        label: str,
        value: str,
        job: Callable[[str], Any],
        *,
        ok: str = "OK",
        explain: str = "",
    ) -> None: ...

    @overload
    def __init__(
        self,
        title: str,
        label: str,
        value: str,
        job: Callable[[str, str], Any],
        *,
        choice: Choice,
        ok: str = "OK",
        explain: str = "",
    ) -> None: ...

    def __init__(
        self,
        title: str,
        label: str,
        value: str,
        job: Callable[..., Any],
        *,
        choice: Choice | None = None,
        ok: str = "OK",
        explain: str = "",
    ) -> None:
        super().__init__(lambda v: job(v.text) if v.choice is None else job(v.text, v.choice))
        self.TITLE_TEXT = title
        self.OK_LABEL = ok
        self._label = label
        self._value = value
        self._explain = explain
        self._choice = choice

    def fields(self) -> ComposeResult:
        if self._explain:
            yield Static(self._explain, classes="form-explain")
        text = Input(self._value, id="form-text")
        if self._choice is None:
            yield Label(self._label)
            yield text
        else:
            yield from labelled_pair(self._label, text, self._choice, "form-choice")

    def values(self) -> TextValues:
        text = self.query_one("#form-text", Input).value.strip()
        if self._choice is None:
            return TextValues(text, None)
        return TextValues(text, chosen(self, "form-choice", self._choice.value))

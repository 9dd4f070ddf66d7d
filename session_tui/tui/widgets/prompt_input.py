"""The multi-line prompt: Enter sends, Shift+Enter or Ctrl+J starts a new line, Up recalls."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    HELP = """
## Prompt
Say what to draw or what to change. **Enter** sends; **Shift+Enter** or **Ctrl+J** starts a new
line (many terminals send Shift+Enter as plain Enter, so Ctrl+J always works). **Up** on the first
line recalls earlier prompts, **Down** on the last line goes forward again. While an image is being
drawn you can keep typing; **Esc** cancels the request in flight.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Send", priority=True, tooltip="Send the prompt as a new turn"),
        Binding(
            "shift+enter,ctrl+j", "newline", "New line", show=False, tooltip="Start a new line in the prompt"
        ),
        Binding("up", "recall_previous", "Earlier prompt", show=False),
        Binding("down", "recall_next", "Later prompt", show=False),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder="Describe the image or the change · Enter sends · Ctrl+J new line",
        )
        self._history: list[str] = []
        self._position: int | None = None  # index into _history while recalling
        self._draft = ""

    def set_history(self, prompts: list[str]) -> None:
        self._history = [p for p in prompts if p.strip()]
        self._position = None

    def remember(self, prompt: str) -> None:
        if prompt.strip() and (not self._history or self._history[-1] != prompt):
            self._history.append(prompt)
        self._position = None

    def action_submit(self) -> None:
        # Enter is a priority binding, so it runs when the key reaches the app; the characters
        # typed just before it (a fast typist, `tmux send-keys "text" Enter`) may still wait in
        # this widget's queue. A callback queued behind them reads the text once they are in.
        self.call_later(self._submit_now)

    def _submit_now(self) -> None:
        self.post_message(self.Submitted(self.text))

    def action_newline(self) -> None:
        self.replace("\n", *self.selection)

    def action_recall_previous(self) -> None:
        if self.cursor_location[0] > 0 or not self._history:
            self.action_cursor_up()
            return
        if self._position is None:
            self._draft = self.text
            self._position = len(self._history)
        if self._position > 0:
            self._position -= 1
            self._load(self._history[self._position])

    def action_recall_next(self) -> None:
        if self._position is None or self.cursor_location[0] < self.document.line_count - 1:
            self.action_cursor_down()
            return
        self._position += 1
        if self._position >= len(self._history):
            self._position = None
            self._load(self._draft)
        else:
            self._load(self._history[self._position])

    def _load(self, text: str) -> None:
        self.text = text
        self.move_cursor(self.document.end)

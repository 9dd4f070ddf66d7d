"""Messages posted by worker threads to the screens that started them."""

from __future__ import annotations

from textual.message import Message

from session_tui.domain.model import Session, Turn


class GenerationFinished(Message):
    """A turn came back with its image."""

    def __init__(self, session: Session, turn: Turn) -> None:
        super().__init__()
        self.session = session
        self.turn = turn


class GenerationFailed(Message):
    """A turn failed or was cancelled; ``prompt`` goes back to the input."""

    def __init__(
        self, session: Session | None, prompt: str, title: str, reason: str, *, cancelled: bool
    ) -> None:
        super().__init__()
        self.session = session
        self.prompt = prompt
        self.title = title
        self.reason = reason
        self.cancelled = cancelled

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


class SeriesProgress(Message):
    """A scene of a series started, was drawn, failed or was skipped; ``session`` as read after it."""

    def __init__(self, text: str, session: Session | None) -> None:
        super().__init__()
        self.text = text
        self.session = session


class SeriesEnded(Message):
    """The series finished, stopped or failed; ``summary`` says which in one sentence."""

    def __init__(self, summary: str, session: Session | None, *, ok: bool) -> None:
        super().__init__()
        self.summary = summary
        self.session = session
        self.ok = ok

"""One exception family: a short title and a sentence a user can act on.

The CLI prints ``message`` to stderr and exits non-zero; the TUI shows it as a notification.
"""

from __future__ import annotations


class SessionTuiError(Exception):
    """Base of every error meant for the user."""

    title = "Error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(SessionTuiError):
    title = "Invalid input"
    exit_code = 2


class NotFound(SessionTuiError):
    title = "Not found"


class AlreadyExists(SessionTuiError):
    title = "Already exists"


class SessionBusy(SessionTuiError):
    title = "Session busy"
    exit_code = 3


class StorageError(SessionTuiError):
    title = "Storage error"


class CorruptSession(SessionTuiError):
    title = "Corrupt session"


class ConfigError(SessionTuiError):
    title = "Configuration error"
    exit_code = 2


class ProviderError(SessionTuiError):
    """A generation failed; ``message`` is stored on the failed turn, ``reply_text`` any text it sent."""

    title = "Generation failed"
    exit_code = 4

    def __init__(self, message: str, *, retryable: bool = False, reply_text: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.reply_text = reply_text


class Cancelled(SessionTuiError):
    title = "Cancelled"
    exit_code = 130

"""Everything the session screen shows, read from the engine in one go (off the UI thread)."""

from __future__ import annotations

from dataclasses import dataclass

from session_tui.domain.model import Session
from session_tui.domain.vocabulary import MAX_REFERENCES
from session_tui.engine import Engine
from session_tui.errors import SessionTuiError
from session_tui.tui.widgets.session_bar import SessionFacts


@dataclass(frozen=True)
class SessionState:
    session: Session
    facts: SessionFacts
    reference_limit: int


def read_state(engine: Engine, name: str, recent: int) -> SessionState:
    """``recent``: how many of the newest turns to build (the conversation's ``wanted``)."""
    session = engine.load(name, recent)
    try:
        provider = engine.provider(session.header.provider)
        caps = provider.capabilities()
        label, is_model = provider.label(), caps.is_model
        limit = min(MAX_REFERENCES, caps.max_references)
    except SessionTuiError as exc:  # e.g. the profile was removed from config.toml since
        label, is_model, limit = (
            f"{session.header.provider} (unavailable: {exc.message})",
            True,
            MAX_REFERENCES,
        )
    used, budget = engine.request_estimate(session)
    return SessionState(
        session, SessionFacts(label, is_model, used, budget, engine.config.reset_threshold), limit
    )

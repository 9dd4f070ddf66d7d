"""Judging checkpoints (optional, online): each verdict is journalled beside the turn's local score.

The network call happens outside the session lock; each verdict is stored under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from session_tui.domain.model import Checkpoint
from session_tui.domain.records import JudgeVerdict, Score
from session_tui.engine.scores import score_turn
from session_tui.errors import InvalidInput
from session_tui.providers.judge import MAX_JUDGE_REFERENCES, JudgeClient, api_key, build_messages, judge_for
from session_tui.store.sessions import SessionDir

if TYPE_CHECKING:
    from session_tui.engine.base import EngineBase


def judge_session(
    engine: EngineBase, name: str, *, profile: str | None = None, which: Sequence[str] = ()
) -> list[tuple[Checkpoint, dict[str, Any]]]:
    """Ask the judge about each chosen checkpoint and store each verdict as soon as it arrives.

    The network call happens outside the session lock; each verdict is journalled under it.
    """
    sd = engine.session_dir(name)
    session = sd.load()
    checkpoints = [session.checkpoint(k) for k in which] if which else list(session.checkpoints)
    if not checkpoints:
        raise InvalidInput(f"Session {name!r} has no checkpoints to judge; approve a turn first.")
    profile_name, prof = engine.config.profile(profile or session.header.provider)
    judge = judge_for(profile_name, prof, str(engine.home.config_file))
    if not session.header.references:
        raise InvalidInput(
            f"Session {name!r} has no references for the judge to compare with; add one "
            "with 'session-tui refs add'."
        )
    client = JudgeClient(judge, api_key(judge, engine.home))
    refs = [(r, sd.blobs.read(r)) for r in session.header.references[:MAX_JUDGE_REFERENCES]]
    out: list[tuple[Checkpoint, dict[str, Any]]] = []
    for cp in checkpoints:
        others = [(r, data) for r, data in refs if r.sha256 != cp.image.sha256] or refs
        verdict = client.verdict(build_messages(session.header.character, others, sd.blobs.read(cp.image)))
        verdict["checkpoint"] = cp.id
        verdict["image"] = cp.image.sha256[:12]
        _store(sd, cp.turn, verdict)
        out.append((cp, verdict))
    return out


def _store(sd: SessionDir, turn_index: int, verdict: dict[str, Any]) -> None:
    with sd.lock():
        session = sd.load()
        turn = session.turn(turn_index)
        score = turn.score or score_turn(sd, session.header, turn) or Score()
        score.judge = JudgeVerdict.of(verdict)
        turn.score = score
        sd.append_turn(turn)

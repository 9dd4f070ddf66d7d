"""session-tui score: (re)compute the local consistency score of a session's pictures."""

from __future__ import annotations

import argparse

from session_tui.cli.common import Context, add_json, emit_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "score",
        parents=[common],
        help="compute consistency scores (local, no network)",
        description="Score each picture 0-100 against the session's references and the "
        "spec's palette (see docs/SCORING.md), and store it on the turn. New turns "
        "are scored when they are made; use this for older turns, or after "
        "changing the references or the palette.",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--turn", type=int, action="append", default=None, metavar="N", help="repeatable")
    p.add_argument("--missing", action="store_true", help="only turns that have no score yet")
    add_json(p)
    p.set_defaults(func=cmd_score)


def cmd_score(ctx: Context) -> int:
    from session_tui.engine.outputs import format_score

    a = ctx.args
    turns = ctx.engine.rescore(a.name, a.turn or (), missing_only=a.missing)
    if a.json:
        emit_json([{"turn": t.index, "score": t.score} for t in turns])
        return 0
    if not turns:
        print(
            f"Nothing to score in {a.name!r}"
            + (" (every picture already has a score)." if a.missing else " (no turn has a picture yet).")
        )
    for t in turns:
        print(f"turn {t.index}: {format_score(t.score)}")
    return 0

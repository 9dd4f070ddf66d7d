"""session-tui score: (re)compute the consistency score of a session's pictures, or score files."""

from __future__ import annotations

import argparse
from pathlib import Path

from session_tui.cli.common import Context, add_json, emit_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "score",
        parents=[common],
        help="compute consistency scores (local, no network)",
        description="Score each picture 0-100 against the session's references, the spec's palette "
        "and its keep rules, with a verdict (consistent, drifting, different; see docs/SCORING.md), "
        "and store it on the turn. New turns are scored when they are made; use this for older "
        "turns, after changing the references or the spec, or with --image to check pictures made "
        "elsewhere without storing anything.",
    )
    p.add_argument("name", metavar="NAME", help="the session")
    p.add_argument("--turn", type=int, action="append", default=None, metavar="N", help="repeatable")
    p.add_argument(
        "--missing",
        action="store_true",
        help="only turns with no score yet, or one from an older score version",
    )
    p.add_argument(
        "--image",
        action="append",
        default=None,
        metavar="FILE",
        help="score this picture file instead of stored turns; nothing is stored (repeatable)",
    )
    p.add_argument(
        "--backend",
        choices=("local", "learned"),
        default=None,
        help="local (default; config.toml score_backend) or learned (needs pip install -e '.[vision]')",
    )
    add_json(p)
    p.set_defaults(func=cmd_score)


def cmd_score(ctx: Context) -> int:
    from session_tui.engine.outputs import format_score

    a = ctx.args
    if a.image:
        if a.turn or a.missing:
            from session_tui.errors import InvalidInput

            raise InvalidInput("--image scores files; it does not go with --turn or --missing.")
        paths = [Path(p).expanduser() for p in a.image]
        scores = ctx.engine.score_files(a.name, paths, backend=a.backend)
        if a.json:
            emit_json({"images": [{"path": str(p), "score": s} for p, s in zip(paths, scores, strict=True)]})
            return 0
        for path, score in zip(paths, scores, strict=True):
            print(f"{path}: {format_score(score)}")
        return 0
    turns = ctx.engine.rescore(a.name, a.turn or (), missing_only=a.missing, backend=a.backend)
    if a.json:
        emit_json(
            [
                {"turn": t.index, "score": t.score.model_dump(mode="json") if t.score is not None else None}
                for t in turns
            ]
        )
        return 0
    if not turns:
        print(
            f"Nothing to score in {a.name!r}"
            + (" (every picture already has a score)." if a.missing else " (no turn has a picture yet).")
        )
    for t in turns:
        print(f"turn {t.index}: {format_score(t.score)}")
    return 0

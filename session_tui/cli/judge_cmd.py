"""session-tui judge: ask a vision-capable chat model to rate checkpoints (optional, online)."""

from __future__ import annotations

import argparse

from session_tui.cli.common import Context, add_json, emit_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "judge",
        parents=[common],
        help="rate checkpoints with an online vision model",
        description="Send each checkpoint with the session's references to the judge_model of "
        "a provider profile (default: the session's), ask it to rate the spec's "
        "attributes 0-100, and store its answer beside the local score. This "
        "sends images over the network and may cost money.",
    )
    p.add_argument("name", metavar="NAME", help="the session")
    p.add_argument("--profile", metavar="P", help="the provider profile whose judge_model to use")
    p.add_argument("--checkpoint", action="append", default=None, metavar="ID_OR_LABEL", help="repeatable")
    add_json(p)
    p.set_defaults(func=cmd_judge)


def cmd_judge(ctx: Context) -> int:
    from session_tui.engine.judging import judge_session

    a = ctx.args
    results = judge_session(ctx.engine, a.name, profile=a.profile, which=a.checkpoint or ())
    if a.json:
        emit_json([{"checkpoint": cp.id, "turn": cp.turn, "judge": verdict} for cp, verdict in results])
        return 0
    for cp, verdict in results:
        name = f"{cp.id} ({cp.label})" if cp.label else cp.id
        if verdict.get("overall") is None:
            print(f"{name}, turn {cp.turn}: {verdict.get('error')}; the answer is stored as given.")
            continue
        parts = ", ".join(f"{k} {v}" for k, v in verdict["attributes"].items())
        print(f"{name}, turn {cp.turn}: judge {verdict['overall']}/100" + (f" ({parts})" if parts else ""))
        if verdict.get("differences"):
            print(f"  {verdict['differences']}")
    return 0

"""session-tui add: bring a picture made or retouched elsewhere into a session as a turn."""

from __future__ import annotations

import argparse
from pathlib import Path

from session_tui.cli.common import Context, add_json, emit_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "add",
        parents=[common],
        help="record a picture made elsewhere as a turn",
        description="Record a picture made or retouched elsewhere (Krita, Photoshop, a ComfyUI or web UI "
        "run outside session-tui) as a turn of provider 'external'. The tool, prompt and seed written "
        "into the file (A1111 'parameters', ComfyUI 'prompt'/'workflow', a session-tui export) are "
        "recorded; the turn is scored like any other and can be approved and promoted.",
    )
    p.add_argument("name", metavar="NAME", help="the session to add to")
    p.add_argument("image", metavar="IMAGE", help="the picture file (PNG, JPEG or WebP)")
    p.add_argument("--note", default="", metavar="TEXT", help="what was done to it (the turn's prompt)")
    p.add_argument(
        "--label", default="", metavar="L", help="also approve it at once as a checkpoint labelled L"
    )
    add_json(p)
    p.set_defaults(func=cmd_add)


def cmd_add(ctx: Context) -> int:
    from session_tui.engine.views import turn_json

    a = ctx.args
    turn, checkpoint = ctx.engine.add_external(a.name, Path(a.image), note=a.note, label=a.label)
    sd = ctx.engine.place(a.name)
    doc = turn_json(sd, turn)
    doc["checkpoint"] = checkpoint.id if checkpoint is not None else None
    if a.json:
        emit_json(doc)
        return 0
    tool = turn.provider_state.get("source_tool")
    seed = turn.provider_state.get("source_seed")
    origin = f" (from {tool}{f', seed {seed}' if seed is not None else ''})" if tool else ""
    print(f"Turn {turn.index}{origin}: {sd.image_path(turn.images[0])}")
    if checkpoint is not None:
        print(f"Saved checkpoint {checkpoint.id} ({checkpoint.label}) from turn {turn.index}.")
    return 0

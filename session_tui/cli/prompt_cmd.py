"""session-tui prompt: see the assembled prompt before sending, and turn assembly on or off."""

from __future__ import annotations

import argparse

from session_tui.cli.common import Context, add_json, emit_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("prompt", parents=[common], help="preview the assembled prompt; turn assembly on or off",
                       description="Print the exact text 'send NAME TEXT' would send (the character spec and "
                                   "keep rules around TEXT). --assembly off makes the session send prompts as "
                                   "typed; --assembly on brings assembly back. To send an edited text as is, "
                                   "use 'send NAME TEXT --raw'.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("text", metavar="TEXT", nargs="?", help="what you would type (omit to only change --assembly)")
    p.add_argument("--assembly", choices=("on", "off"), help="assemble this session's prompts (on) or not (off)")
    add_json(p)
    p.set_defaults(func=cmd_prompt)


def cmd_prompt(ctx: Context) -> int:
    from session_tui.errors import InvalidInput
    from session_tui.model import SessionHeader

    a = ctx.args
    engine = ctx.engine
    if a.text is None and a.assembly is None:
        raise InvalidInput("Give the TEXT to preview, or --assembly on/off to change the session.")
    if a.text is not None and not a.text.strip():
        raise InvalidInput("The text is empty; say what to draw or change.")
    if a.assembly is not None:
        wanted = a.assembly == "on"

        def change(header: SessionHeader) -> None:
            header.assemble_prompt = wanted

        session = engine.update_header(a.name, change)
    else:
        session = engine.load(a.name)
    doc: dict[str, object] = {"name": a.name, "assemble_prompt": session.header.assemble_prompt}
    if a.text is not None:
        doc["typed"] = a.text
        doc["prompt_sent"] = engine.preview_prompt(session, a.text)
        doc["first_turn"] = session.last_image_turn() is None
    if a.json:
        emit_json(doc)
        return 0
    if a.assembly is not None:
        print(f"Prompt assembly is {a.assembly} for session {a.name!r}.")
    if a.text is not None:
        print(doc["prompt_sent"])
    return 0

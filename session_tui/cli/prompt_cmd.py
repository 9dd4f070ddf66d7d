"""session-tui prompt: see the assembled prompt before sending, and turn assembly on or off."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from session_tui.cli.common import Context, add_json, emit_json

if TYPE_CHECKING:
    from pathlib import Path


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "prompt",
        parents=[common],
        help="preview the assembled prompt; turn assembly on or off",
        description="Print the exact text 'send NAME TEXT' would send (the character spec and "
        "keep rules around TEXT). --assembly off makes the session send prompts as "
        "typed; --assembly on brings assembly back. --edit opens the text in "
        "$EDITOR and sends what you save (the turn keeps both TEXT and the text "
        "sent).",
    )
    p.add_argument("name", metavar="NAME", help="the session")
    p.add_argument(
        "text", metavar="TEXT", nargs="?", help="what you would type (omit to only change --assembly)"
    )
    p.add_argument(
        "--assembly", choices=("on", "off"), help="assemble this session's prompts (on) or not (off)"
    )
    p.add_argument("--edit", action="store_true", help="edit the assembled text in $EDITOR, then send it")
    add_json(p)
    p.set_defaults(func=cmd_prompt)


def cmd_prompt(ctx: Context) -> int:
    from session_tui.domain.model import SessionHeader
    from session_tui.errors import InvalidInput

    a = ctx.args
    engine = ctx.engine
    if a.text is None and a.assembly is None:
        raise InvalidInput("Give the TEXT to preview, or --assembly on/off to change the session.")
    if a.text is not None and not a.text.strip():
        raise InvalidInput("The text is empty; say what to draw or change.")
    if a.edit and a.text is None:
        raise InvalidInput("--edit needs the TEXT to assemble and edit.")
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
        doc["left_out_keep_rules"] = engine.left_out_rules(session, a.text)
    if a.edit:
        return _edit_and_send(ctx, a.text, str(doc["prompt_sent"]))
    if a.json:
        emit_json(doc)
        return 0
    if a.assembly is not None:
        print(f"Prompt assembly is {a.assembly} for session {a.name!r}.")
    if a.text is not None:
        from session_tui.cli.commands import left_out_note

        print(str(doc["prompt_sent"]) + left_out_note(engine.left_out_rules(session, a.text)))
    return 0


def edit_text(text: str) -> str:
    """``text`` after the user edits it in $VISUAL or $EDITOR."""
    import os
    import shlex
    import subprocess
    import tempfile
    from pathlib import Path

    from session_tui.errors import InvalidInput

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise InvalidInput("Set $EDITOR (or $VISUAL) to the editor to use, e.g. export EDITOR=nano.")
    with tempfile.TemporaryDirectory(prefix="session-tui-") as folder:
        path = Path(folder) / "prompt.txt"
        path.write_text(text + "\n", encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except OSError as exc:
            raise InvalidInput(f"The editor {editor!r} could not be started ({exc.strerror}).") from None
        if done.returncode != 0:
            raise InvalidInput(
                f"The editor {editor!r} exited with status {done.returncode}; nothing was sent."
            )
        return _read_edited(path, editor)


def _read_edited(path: Path, editor: str) -> str:
    """What the editor saved, as text; one sentence (and nothing sent) when it saved something else."""
    import os
    import stat

    from session_tui.errors import InvalidInput

    nothing = "nothing was sent; run the command again to edit the prompt anew"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO in its place must not hang
    except FileNotFoundError:
        raise InvalidInput(f"The editor {editor!r} removed the prompt file; {nothing}.") from None
    except OSError as exc:
        raise InvalidInput(f"The edited prompt cannot be read ({exc.strerror}); {nothing}.") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "something that is not a file"
            raise InvalidInput(f"The editor {editor!r} replaced the prompt file with {kind}; {nothing}.")
        if info.st_size > 2**20:
            raise InvalidInput(f"The edited prompt is larger than 1 MiB; {nothing}.")
        os.set_blocking(fd, True)
        data = os.read(fd, 2**20 + 1)
    except OSError as exc:
        raise InvalidInput(f"The edited prompt cannot be read ({exc.strerror}); {nothing}.") from None
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"The editor {editor!r} saved the prompt in an encoding other than UTF-8; {nothing}."
        ) from None


def _edit_and_send(ctx: Context, typed: str, assembled: str) -> int:
    from session_tui.engine.views import turn_json
    from session_tui.errors import InvalidInput

    edited = edit_text(assembled).strip()
    if not edited:
        raise InvalidInput("The edited prompt is empty; nothing was sent.")
    turn = ctx.engine.send(ctx.args.name, typed, prompt_sent=edited)
    sd = ctx.engine.place(ctx.args.name)
    doc = turn_json(sd, turn)
    if ctx.args.json:
        emit_json(doc)
    else:
        print(f"Turn {turn.index}: {', '.join(str(sd.image_path(i)) for i in turn.images)}")
    return 0

"""The core commands: new, send, approve, reset, fork, list, show, open, paths."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from session_tui.cli.common import (
    Context,
    add_json,
    add_params,
    add_refs,
    emit_json,
    emit_json_with,
    json_text,
    param_changes,
)
from session_tui.domain.printable import printable
from session_tui.domain.wording import plural
from session_tui.errors import SessionTuiError

if TYPE_CHECKING:
    from session_tui.domain.model import Turn
    from session_tui.engine.views import SessionPlace


_MOVE_HELP = (
    "move the new session to this provider profile (earlier pictures travel as plain input images; "
    "no signature or thread id of the old service is replayed)"
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "new",
        parents=[common],
        help="create a session",
        description="Create a session with a provider profile, a character spec and references.",
    )
    p.add_argument(
        "name", metavar="NAME", help="the new session's name (letters, digits of any script, '-', '_', '.')"
    )
    p.add_argument(
        "--provider", metavar="P", help="provider profile (default: config's default_provider, else offline)"
    )
    p.add_argument("--character", metavar="FILE.toml", help="character spec file")
    add_refs(p)
    add_params(p)
    add_json(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "send",
        parents=[common],
        help="send a turn",
        description="Send one prompt; the result image is stored as a new turn.",
    )
    p.add_argument("name", metavar="NAME", help="the session to send to")
    p.add_argument(
        "prompt", metavar="PROMPT", nargs="?", help="what to draw or change, any language (not with --redo)"
    )
    add_refs(p)
    add_params(p)
    p.add_argument(
        "--raw", action="store_true", help="send the prompt exactly as typed (no assembly with the spec)"
    )
    p.add_argument(
        "--redo",
        type=int,
        metavar="N",
        help="send turn N again as a new turn: its prompt, parameters and seed (a seeded tool "
        "draws the same picture; others make a new attempt)",
    )
    add_json(p)
    p.set_defaults(func=cmd_send)

    p = sub.add_parser(
        "approve",
        parents=[common],
        help="save a turn's image as a checkpoint",
        description="Approve a turn's image as a checkpoint (default: the last turn with an image).",
    )
    p.add_argument("name", metavar="NAME", help="the session")
    p.add_argument(
        "--turn", type=int, metavar="N", help="the turn to approve (default: the last with an image)"
    )
    p.add_argument("--label", default="", metavar="TEXT", help="a name to find the checkpoint by (unique)")
    p.add_argument("--note", default="", metavar="TEXT", help="a note kept with the checkpoint")
    p.add_argument(
        "--again",
        action="store_true",
        help="save a second checkpoint even if this image is one already",
    )
    add_json(p)
    p.set_defaults(func=cmd_approve)

    p = sub.add_parser(
        "reset",
        parents=[common],
        help="reset by promotion into a new session",
        description="Start a fresh conversation whose reference is a promoted checkpoint.",
    )
    p.add_argument("name", metavar="NAME", help="the session to reset")
    p.add_argument(
        "--checkpoint",
        required=True,
        metavar="ID_OR_LABEL",
        help="the checkpoint to promote (cpN or its label)",
    )
    p.add_argument(
        "--into", metavar="NEW_NAME", help="the new session's name (default: NAME-r1, NAME-r2, ...)"
    )
    p.add_argument("--keep-refs", action="store_true", help="carry the old references too")
    p.add_argument("--provider", metavar="P", help=_MOVE_HELP)
    add_json(p)
    p.set_defaults(func=cmd_reset)

    p = sub.add_parser(
        "fork",
        parents=[common],
        help="continue from an earlier turn in a new session",
        description="Copy a session's turns up to turn N into a new session and continue there; "
        "the original is untouched.",
    )
    p.add_argument("name", metavar="NAME", help="the session to fork")
    p.add_argument("--turn", type=int, required=True, metavar="N", help="the last turn to carry over")
    p.add_argument("--into", required=True, metavar="NEW_NAME", help="the new session's name")
    p.add_argument("--provider", metavar="P", help=_MOVE_HELP)
    add_json(p)
    p.set_defaults(func=cmd_fork)

    p = sub.add_parser(
        "list",
        parents=[common],
        help="list sessions",
        description="One line per session in the home: provider, model, turns, checkpoints, "
        "last change and the session it came from.",
    )
    add_json(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "show",
        parents=[common],
        help="show a session",
        description="A session's header, references, every turn (status, prompt, image, score) "
        "and its checkpoints.",
    )
    p.add_argument("name", metavar="NAME", help="the session")
    add_json(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "open",
        parents=[common],
        help="open a session in the TUI",
        description="Open the TUI straight in a session, scrolled to its newest turn.",
    )
    p.add_argument("name", metavar="NAME", help="the session to open")
    p.set_defaults(func=lambda ctx: run_tui(ctx, ctx.args.name))

    p = sub.add_parser(
        "paths",
        parents=[common],
        help="print where config, sessions and logs live",
        description="Print where the config file, the sessions, the keys file and the logs live.",
    )
    add_json(p)
    p.set_defaults(func=cmd_paths)


def _say(ctx: Context, text: str, doc: Any) -> None:
    if ctx.args.json:
        emit_json(doc)
    else:
        print(printable(text, newlines=True))  # names, labels and prompts: no raw escapes


def cmd_new(ctx: Context) -> int:
    from session_tui.domain.model import GenerationParams, make
    from session_tui.engine.specfiles import load_character
    from session_tui.engine.views import session_json

    a = ctx.args
    spec = load_character(_path(a.character)) if a.character else None
    params = make(GenerationParams, {k: v for k, v in param_changes(a).items() if v is not None})
    session = ctx.engine.new_session(
        a.name, provider=a.provider, character=spec, refs=a.ref or (), params=params
    )
    sd = ctx.engine.place(a.name)
    no_key = ctx.engine.missing_key(ctx.engine.provider(session.header.provider))
    if no_key:
        print(f"session-tui: warning: {no_key} Until then, 'send' is refused.", file=sys.stderr)
    _say(
        ctx,
        f"Created session {a.name!r} ({session.header.provider}, {session.header.model}) at {sd.path}",
        session_json(sd, session),
    )
    return 0


def cmd_send(ctx: Context) -> int:
    from session_tui.engine.views import turn_json

    a = ctx.args
    engine = ctx.engine
    if a.redo is not None:
        return _redo(ctx)
    if not (a.prompt or "").strip():
        from session_tui.errors import InvalidInput

        raise InvalidInput(
            "The prompt is empty; say what to draw or change (PROMPT), or send a turn again with --redo N."
        )
    prompt_sent = a.prompt if a.raw else None
    # Where the session stood, so a refusal (which adds no turn) never prints an older failure as its own.
    before = _last_turn_index(ctx) if a.json else None
    try:
        turn = engine.send(a.name, a.prompt, refs=a.ref or (), prompt_sent=prompt_sent, **param_changes(a))
    except SessionTuiError:
        if before is not None:
            _emit_turn_failure(ctx, before)
        raise
    sd = engine.place(a.name)
    doc = turn_json(sd, turn)  # the turn as stored: no need to read the whole session again
    left_out = [] if a.raw else engine.left_out_rules(engine.load(a.name, recent=1), a.prompt)
    doc["left_out_keep_rules"] = left_out
    _say(ctx, turn_lines(sd, turn, f"Turn {turn.index}") + left_out_note(left_out), doc)
    return 0


def turn_lines(sd: SessionPlace, turn: Turn, head: str) -> str:
    """``head: path, ...`` and, below it, what the model (or the offline renderer) said, indented:
    the first line stays the one a script reads, the reply is where "not drawn: ..." is told."""
    paths = ", ".join(str(sd.image_path(i)) for i in turn.images)
    reply = "".join(f"\n  {line}" for line in (turn.reply_text or "").strip().splitlines() if line.strip())
    return f"{head}: {paths}{reply}"


def left_out_note(rules: list[str]) -> str:
    """A line saying which keep rules this turn's text left out, or nothing."""
    if not rules:
        return ""
    listed = ", ".join(repr(r) for r in rules)
    one = len(rules) == 1
    return (
        f"\nLeft out the keep {'rule' if one else 'rules'} {listed} this turn: the change is about "
        f"what {'it protects' if one else 'they protect'}."
    )


def _redo(ctx: Context) -> int:
    """``send NAME --redo N``: turn N exactly as it was, so nothing else may be given with it."""
    from session_tui.engine.views import turn_json
    from session_tui.errors import InvalidInput

    a = ctx.args
    if a.prompt or a.ref or a.raw or any(v is not None for v in param_changes(a).values()):
        raise InvalidInput(
            f"--redo {a.redo} sends turn {a.redo} again exactly as it was; give no prompt, --ref, --raw "
            "or parameters with it."
        )
    turn = ctx.engine.redo(a.name, a.redo)
    sd = ctx.engine.place(a.name)
    seed = f" (seed {turn.params.seed})" if turn.params.seed is not None else ""
    _say(ctx, turn_lines(sd, turn, f"Turn {turn.index}, turn {a.redo} again{seed}"), turn_json(sd, turn))
    return 0


def _last_turn_index(ctx: Context) -> int | None:
    try:
        turns = ctx.engine.load(ctx.args.name, recent=1).turns  # the newest turn is all it needs
    except SessionTuiError:
        return None
    return turns[-1].index if turns else 0


def _emit_turn_failure(ctx: Context, before: int) -> None:
    """With --json a failed turn's record goes beside the error, so scripts see the stored failure."""
    from session_tui.engine.views import turn_json

    try:
        sd = ctx.engine.place(ctx.args.name)
        turns = ctx.engine.load(ctx.args.name, recent=1).turns
    except SessionTuiError:
        return
    last = turns[-1] if turns else None
    if (
        last
        and last.index > before
        and last.status in ("failed", "cancelled")
        and last.prompt == ctx.args.prompt
    ):
        ctx.error_extra["turn"] = turn_json(sd, last)


def cmd_approve(ctx: Context) -> int:
    from session_tui.domain.model import utcnow

    a = ctx.args
    started = utcnow()
    cp = ctx.engine.approve(a.name, turn=a.turn, label=a.label, note=a.note, again=a.again)
    already = cp.created_at < started  # an existing checkpoint came back (see Engine.approve)
    path = ctx.engine.place(a.name).image_path(cp.image)
    doc = {**cp.model_dump(mode="json"), "path": str(path), "already_approved": already}
    named = f"{cp.id}{f' ({cp.label})' if cp.label else ''}"
    if already:
        text = (
            f"Turn {cp.turn} is already checkpoint {named}: {path}"
            + (" (label and note updated)" if a.label or a.note else "")
            + "\nAdd --again to save a second checkpoint of the same image."
        )
    else:
        text = f"Saved checkpoint {named} from turn {cp.turn}: {path}"
    _say(ctx, text, doc)
    return 0


def _new_session_out(ctx: Context, verb: str, session: Any) -> None:
    from session_tui.engine.views import session_json

    sd = ctx.engine.place(session.name)
    parent = session.header.parent
    for note in session.warnings:
        print(f"session-tui: {note}", file=sys.stderr)
    _say(
        ctx,
        f"{verb} {session.name!r} from {parent.session!r} ({parent.checkpoint or f'turn {parent.turn}'}) "
        f"with {plural(len(session.header.references), 'reference')}: {sd.path}",
        session_json(sd, session),
    )


def cmd_reset(ctx: Context) -> int:
    a = ctx.args
    session = ctx.engine.reset(
        a.name, checkpoint=a.checkpoint, into=a.into, keep_refs=a.keep_refs, provider=a.provider
    )
    _new_session_out(ctx, "Reset into", session)
    return 0


def cmd_fork(ctx: Context) -> int:
    a = ctx.args
    session = ctx.engine.fork(a.name, turn=a.turn, into=a.into, provider=a.provider)
    _new_session_out(ctx, "Forked", session)
    return 0


def cmd_list(ctx: Context) -> int:
    from session_tui.engine.views import summary_json

    summaries = ctx.engine.summaries()
    if ctx.args.json:
        emit_json([summary_json(s, None if s.error else ctx.engine.session_cost(s.name)) for s in summaries])
        return 0
    if not summaries:
        print(f"No sessions in {ctx.home.sessions_dir}. Create one with: session-tui new NAME")
        return 0
    # Every column as wide as its widest cell, so long provider or model names keep the rest aligned.
    rows = [
        [
            s.name,
            f"{s.provider}/{s.model}",
            plural(s.turns, "turn"),
            plural(s.checkpoints, "checkpoint"),
            f"{s.modified_at:%Y-%m-%d %H:%M}",
            f"<- {s.parent_shown}" if s.parent else "",
        ]
        for s in summaries
        if not s.error
    ]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(6)]
    widths[0] = max(len(s.name) for s in summaries)
    ok = iter(rows)
    for s in summaries:
        if s.error:
            print(printable(f"{s.name:<{widths[0]}}  damaged: {s.error}"))
            continue
        row = next(ok)
        print(printable("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip()))
    return 0


def cmd_show(ctx: Context) -> int:
    from session_tui.engine.views import session_doc, turn_json

    name = ctx.args.name
    sd = ctx.engine.place(name)
    # Each turn is kept only as the text printed for it: a long session's models would cost
    # several times the memory of a short one's.
    if ctx.args.json:
        book = sd.book
        costs = []

        def keep(t: Turn) -> str:
            if book is not None:
                costs.append(book.turn_cost(t))
            return json_text(turn_json(sd, t))

        log = ctx.engine.read_log(name, keep)
        total = book.total(costs) if book is not None else None
        doc = session_doc(sd, log.header, None, log.checkpoints, log.warnings, total)
        emit_json_with(doc, "turns", log.turns)
        return 0
    session = ctx.engine.read_log(name, lambda t: _turn_line(sd, t))
    h = session.header
    print(printable(f"{h.name}  {h.provider} ({h.kind}, {h.model})  {sd.path}"))
    if h.parent:
        print(
            f"  from {h.parent.source} by {h.parent.kind} ({h.parent.checkpoint or f'turn {h.parent.turn}'})"
        )
    seed = "random" if h.params.seed is None else h.params.seed  # as the TUI's Seed field says it
    print(f"  params: {h.params.aspect_ratio} {h.params.image_size} seed {seed}")
    if h.character.name:
        print(printable(f"  character: {h.character.name}"))
    for r in h.references:
        seed = f", seed {r.source_seed}" if r.source_seed is not None else ""
        source = f" (from {r.source_tool}{seed})" if r.source_tool else ""
        print(printable(f"  ref {r.sha256[:12]} [{r.role}] {r.label}{source}"))
    for line in session.turns:
        print(printable(line))
    for c in session.checkpoints:
        print(printable(f"  {c.id} turn {c.turn} {c.label!r} {sd.image_path(c.image)}"))
    for w in session.warnings:
        print(printable(f"  warning: {w}"), file=sys.stderr)
    return 0


def _turn_line(sd: SessionPlace, t: Turn) -> str:
    from session_tui.engine.views import brief_score

    image = sd.image_location(t.images[0]) if t.images else (t.error or "")
    score = f" score {brief_score(t.score)}" if t.score is not None and t.score.total is not None else ""
    return f"  #{t.index} {t.status:<9} {t.prompt[:60]!r} {image}{score}"


def cmd_paths(ctx: Context) -> int:
    h = ctx.home
    doc = {
        "home": str(h.root),
        "config": str(h.config_file),
        "sessions": str(h.sessions_dir),
        "keys": str(h.keys_file),
        "logs": str(h.logs_dir),
        "screenshots": str(h.screenshots_dir),
    }
    _say(ctx, "\n".join(f"{k:<11} {v}" for k, v in doc.items()), doc)
    return 0


def run_tui(ctx: Context, name: str | None) -> int:
    """Open the TUI (home screen, or straight into a session)."""
    from session_tui.tui.app import run

    if name is not None:
        ctx.engine.place(name)  # refuse an unknown name before the screen opens
    return run(ctx.home, name)


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text)

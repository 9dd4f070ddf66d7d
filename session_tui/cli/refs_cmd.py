"""session-tui refs: a session's reference images, their roles, provenance and per-model advice."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from session_tui.cli.common import Context, add_json, emit_json
from session_tui.domain.printable import printable
from session_tui.domain.vocabulary import (
    REFERENCE_ROLES,
)  # plain data: building the parser stays pydantic-free


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "refs",
        parents=[common],
        help="list, add and give roles to references",
        description="Reference images are shown to the model on every turn. Roles say what "
        "each shows (front, side, back, face, outfit, style); session-tui warns "
        "when the mix exceeds what the session's model handles well.",
    )
    actions = p.add_subparsers(
        dest="action", metavar="ACTION", parser_class=type(p), required=True, help="what to do"
    )

    a = actions.add_parser("list", parents=[common], help="the references, with roles, provenance and advice")
    a.add_argument("name", metavar="NAME", help="the session")
    add_json(a)
    a.set_defaults(func=cmd_list)

    a = actions.add_parser(
        "add",
        parents=[common],
        help="add an image as a reference",
        description="Add PATH as a reference. Prompt and seed written into the file by "
        "Stable Diffusion WebUI, ComfyUI, NovelAI, InvokeAI or session-tui "
        "are recorded with it.",
    )
    a.add_argument("name", metavar="NAME", help="the session")
    a.add_argument("path", metavar="PATH", help="the image file to add")
    a.add_argument("--label", default="", help="a short name (default: the file name)")
    a.add_argument(
        "--role",
        default="other",
        choices=REFERENCE_ROLES,
        metavar="ROLE",
        help=f"one of {', '.join(REFERENCE_ROLES)}",
    )
    add_json(a)
    a.set_defaults(func=cmd_add)

    a = actions.add_parser("role", parents=[common], help="set a reference's role")
    a.add_argument("name", metavar="NAME", help="the session")
    a.add_argument("hash", metavar="HASH", help="the start of the reference's sha256 (see 'refs list')")
    a.add_argument(
        "role", metavar="ROLE", choices=REFERENCE_ROLES, help=f"one of {', '.join(REFERENCE_ROLES)}"
    )
    add_json(a)
    a.set_defaults(func=cmd_role)

    a = actions.add_parser("remove", parents=[common], help="stop showing a reference to the model")
    a.add_argument("name", metavar="NAME", help="the session")
    a.add_argument("hash", metavar="HASH", help="the start of the reference's sha256 (see 'refs list')")
    add_json(a)
    a.set_defaults(func=cmd_remove)


def advice_for(ctx: Context, name: str) -> tuple[Any, list[str]]:
    """The session and the warnings about its reference mix for its model."""
    from session_tui.domain.references import reference_advice
    from session_tui.errors import SessionTuiError

    session = ctx.engine.load(name)
    header = session.header
    try:
        good = ctx.engine.provider(header.provider).capabilities().good_references
    except SessionTuiError:
        good = None  # a profile that is gone still leaves the model id to go on
    return session, reference_advice(header.references, header.model, good)


def _refs_doc(ctx: Context, session: Any, advice: list[str]) -> dict[str, Any]:
    from session_tui.engine.views import references_json

    sd = ctx.engine.place(session.name)
    return {
        "name": session.name,
        "model": session.header.model,
        "references": references_json(sd, session.header),
        "advice": advice,
    }


def _print_refs(doc: dict[str, Any]) -> None:
    refs = doc["references"]
    if not refs:
        print(
            f"Session {doc['name']!r} has no references; "
            f"add one with: session-tui refs add {doc['name']} PATH"
        )
    for r in refs:
        line = f"{r['sha256'][:12]}  {r['role']:<8} {r['label']}"
        if r.get("source_tool"):
            seed = f", seed {r['source_seed']}" if r.get("source_seed") is not None else ""
            line += f"  (from {r['source_tool']}{seed})"
        print(printable(line))
        if r.get("source_prompt"):
            prompt = r["source_prompt"].replace("\n", " ")
            more = "…" if len(prompt) > 100 else ""
            print(printable(f"              prompt: {prompt[:100]}{more}"))


def _finish(ctx: Context, session: Any, advice: list[str], message: str | None = None) -> int:
    doc = _refs_doc(ctx, session, advice)
    if ctx.args.json:
        emit_json(doc)
        return 0
    if message:
        print(printable(message))
    _print_refs(doc)
    for line in advice:
        print(printable(f"advice: {line}"), file=sys.stderr)
    return 0


def cmd_list(ctx: Context) -> int:
    session, advice = advice_for(ctx, ctx.args.name)
    return _finish(ctx, session, advice)


def cmd_add(ctx: Context) -> int:
    from session_tui.engine import RefInput
    from session_tui.errors import InvalidInput

    a = ctx.args
    left, sep, _ = a.path.rpartition("=")
    if sep and not Path(a.path).exists() and Path(left).exists():
        raise InvalidInput(
            f"'refs add' takes the label as --label and the role as --role, not PATH=LABEL: "
            f"session-tui refs add {a.name} {left} --label ..."
        )
    before = {r.sha256 for r in ctx.engine.load(a.name).header.references}
    after = ctx.engine.add_references(a.name, [RefInput(Path(a.path), a.label.strip(), a.role)])
    added = [r for r in after.header.references if r.sha256 not in before]
    session, advice = advice_for(ctx, a.name)
    message = (
        f"Added {added[0].sha256[:12]} as a reference (role: {added[0].role})."
        if added
        else f"{a.path} is already a reference of {a.name!r}; nothing changed."
    )
    return _finish(ctx, session, advice, message)


def _one(header: Any, name: str, prefix: str) -> Any:
    from session_tui.errors import InvalidInput

    prefix = prefix.strip().lower()
    matches = [r for r in header.references if prefix and r.sha256.startswith(prefix)]
    if not matches:
        raise InvalidInput(
            f"Session {name!r} has no reference {prefix[:12]!r}; 'session-tui refs list {name}' shows them."
        )
    if len(matches) > 1:
        raise InvalidInput(f"Several references start with {prefix!r}; give more of the hash.")
    return matches[0]


def cmd_role(ctx: Context) -> int:
    from session_tui.domain.model import SessionHeader

    a = ctx.args

    def change(header: SessionHeader) -> None:
        chosen = _one(header, a.name, a.hash)
        header.references = [
            r.model_copy(update={"role": a.role}) if r is chosen else r for r in header.references
        ]

    ctx.engine.update_header(a.name, change)
    session, advice = advice_for(ctx, a.name)
    return _finish(ctx, session, advice, f"Reference {a.hash[:12]} now has the role {a.role}.")


def cmd_remove(ctx: Context) -> int:
    a = ctx.args
    chosen = _one(ctx.engine.load(a.name).header, a.name, a.hash)
    after = ctx.engine.remove_reference(a.name, chosen.sha256)
    users = after.turns_using(chosen.sha256)
    which = f"turn {users[0]} uses" if len(users) == 1 else f"turns {', '.join(map(str, users))} use"
    fate = (
        f"its image stays in the session's store ({which} it)"
        if users
        else "its image was removed from the session's store"
    )
    session, advice = advice_for(ctx, a.name)
    return _finish(ctx, session, advice, f"Removed reference {chosen.sha256[:12]} from {a.name!r}; {fate}.")

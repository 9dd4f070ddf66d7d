"""session-tui character: check a spec file, write a commented template, give a session a spec."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from session_tui.cli.common import Context, add_json, emit_json
from session_tui.domain.wording import plural


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "character",
        parents=[common],
        help="character spec files: check, new, set, show",
        description="Character specs are TOML files (UTF-8, any language) describing the "
        "character and what must not change between pictures.",
    )
    actions = p.add_subparsers(
        dest="action", metavar="ACTION", parser_class=type(p), required=True, help="what to do"
    )

    a = actions.add_parser(
        "check",
        parents=[common],
        help="validate a spec file and say what would help",
        description="Validate FILE; print the spec, the prompt it makes, and advice.",
    )
    a.add_argument("file", metavar="FILE", help="the character spec file (TOML)")
    a.add_argument("--strict", action="store_true", help="exit 1 when there is advice, not only on errors")
    add_json(a)
    a.set_defaults(func=cmd_check)

    a = actions.add_parser(
        "new",
        parents=[common],
        help="write a commented template",
        description="Write a commented spec template to FILE (refused if it exists).",
    )
    a.add_argument("file", metavar="FILE", help="the character spec file (TOML)")
    a.add_argument("--name", default="", help="the character's name to fill in")
    a.add_argument("--force", action="store_true", help="replace FILE if it exists")
    a.set_defaults(func=cmd_new)

    a = actions.add_parser(
        "set",
        parents=[common],
        help="give a session the spec in FILE",
        description="Replace session NAME's character spec with the one in FILE.",
    )
    a.add_argument("name", metavar="NAME", help="the session")
    a.add_argument("file", metavar="FILE", help="the character spec file (TOML)")
    add_json(a)
    a.set_defaults(func=cmd_set)

    a = actions.add_parser(
        "show",
        parents=[common],
        help="print a session's spec as TOML",
        description="Print session NAME's character spec as TOML, ready to save as a file.",
    )
    a.add_argument("name", metavar="NAME", help="the session")
    add_json(a)
    a.set_defaults(func=cmd_show)


def cmd_check(ctx: Context) -> int:
    from session_tui.domain.prompting import assemble
    from session_tui.engine.specfiles import check_character

    a = ctx.args
    report = check_character(Path(a.file))
    spec = report.spec
    example = assemble(spec, "on the beach", first_turn=True, has_references=True, roles=["front"])
    if a.json:
        emit_json(
            {
                "file": a.file,
                "valid": True,
                "character": spec.model_dump(mode="json"),
                "warnings": report.warnings,
                "example_prompt": example,
            }
        )
    else:
        print(f"{a.file}: a valid character spec" + (f" for {spec.name}" if spec.name else "") + ".")
        filled = [f for f in ("style", "hair", "eyes", "face", "outfit", "notes") if getattr(spec, f).strip()]
        print(
            f"  fields: {', '.join(filled) or 'none'}; "
            f"{plural(len(spec.accessories), 'accessory', 'accessories')}, "
            f"{plural(len(spec.palette), 'palette colour')}, {plural(len(spec.keep), 'keep rule')}"
        )
        for rule in spec.keep:
            print(f"  keep: {rule}")
        for line in report.warnings:
            print(f"  advice: {line}")
        print("  a first turn 'on the beach' with a front reference would send:")
        for line in example.splitlines():
            print(f"    {line}")
    return 1 if a.strict and report.warnings else 0


def cmd_new(ctx: Context) -> int:
    from session_tui.engine.specfiles import write_template

    path = write_template(Path(ctx.args.file), name=ctx.args.name, force=ctx.args.force)
    print(f"Wrote a character template to {path}; fill it in, then run: session-tui character check {path}")
    return 0


def cmd_set(ctx: Context) -> int:
    from session_tui.domain.model import SessionHeader
    from session_tui.engine.specfiles import check_character

    a = ctx.args
    report = check_character(Path(a.file))

    def change(header: SessionHeader) -> None:
        header.character = report.spec

    session = ctx.engine.update_header(a.name, change)
    if a.json:
        emit_json(
            {
                "name": a.name,
                "character": session.header.character.model_dump(mode="json"),
                "warnings": report.warnings,
            }
        )
    else:
        print(
            f"Session {a.name!r} now uses the spec in {a.file}"
            + (f" ({report.spec.name})." if report.spec.name else ".")
        )
        for line in report.warnings:
            print(f"  advice: {line}", file=sys.stderr)
    return 0


def cmd_show(ctx: Context) -> int:
    from session_tui.domain.character import toml_string

    spec = ctx.engine.load(ctx.args.name).header.character
    if ctx.args.json:
        emit_json(spec.model_dump(mode="json"))
        return 0
    for key in ("name", "style", "hair", "eyes", "face", "outfit"):
        print(f"{key} = {toml_string(getattr(spec, key))}")
    for key in ("accessories", "palette", "keep"):
        print(f"{key} = [{', '.join(toml_string(v) for v in getattr(spec, key))}]")
    print(f"notes = {toml_string(spec.notes)}")
    return 0

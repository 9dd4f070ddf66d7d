"""session-tui check: the integrity of one session or of all, with safe repairs."""

from __future__ import annotations

import argparse
import sys

from session_tui.cli.common import Context, add_json, emit_json
from session_tui.domain.wording import plural

# Exit status when the check found errors (warnings alone exit 0).
EXIT_DAMAGED = 1
# Exit status when nothing was damaged but a session could not be checked (busy): not "ok".
EXIT_NOT_CHECKED = 3


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check",
        parents=[common],
        help="check sessions for damage (hashes, journal, references, lineage)",
        description="Check one session (or all): header, journal records, every image against its sha256, "
        "links, lineage and interrupted turns. Exits 1 if anything is damaged. --repair does only "
        "what loses nothing: cuts a torn journal line, moves damaged lines to journal.damaged.jsonl, "
        "removes leftover temporary files.",
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="the session to check (default: all)")
    p.add_argument("--repair", action="store_true", help="fix what can be fixed without losing anything")
    add_json(p)
    p.set_defaults(func=cmd_check)


def cmd_check(ctx: Context) -> int:
    from session_tui.engine.outputs import summary_counts

    a = ctx.args
    reports = ctx.engine.check(a.name, repair=a.repair)
    errors, warnings = summary_counts(reports)
    unchecked = [r for r in reports if r.not_checked is not None]
    if a.json:
        emit_json(
            {
                "ok": errors == 0 and not unchecked,
                "not_checked": len(unchecked),
                "errors": errors,
                "warnings": warnings,
                "sessions": [r.as_json() for r in reports if r.name],
                "home": [r.as_json() for r in reports if not r.name],
            }
        )
        return EXIT_DAMAGED if errors else (EXIT_NOT_CHECKED if unchecked else 0)
    shown = [r for r in reports if r.name or r.warnings or r.errors or r.repaired]
    if not any(r.name for r in reports):
        print(f"No sessions in {ctx.engine.sessions_root}.")
    for r in shown:
        title = r.name or "home"
        state = "ok" if r.ok else plural(len(r.errors), "error") if r.errors else "not checked"
        facts = (
            f" ({plural(r.turns, 'turn')}, {plural(r.checkpoints, 'checkpoint')}, "
            f"{plural(r.images_verified, 'image')} verified)"
            if r.name
            else ""
        )
        if r.not_checked is not None:
            facts = f" ({r.not_checked})"
        print(f"{title}: {state}{facts}")
        for line in r.errors:
            print(f"  error: {line}")
        for line in r.warnings:
            print(f"  warning: {line}")
        for line in r.repaired:
            print(f"  repaired: {line}")
    if errors:
        print(
            f"session-tui: the check found {plural(errors, 'error')}; see the lines marked 'error' above.",
            file=sys.stderr,
        )
        return EXIT_DAMAGED
    if unchecked:
        print(
            f"session-tui: {plural(len(unchecked), 'session')} could not be checked (in use); "
            "check them again when they are free.",
            file=sys.stderr,
        )
        return EXIT_NOT_CHECKED
    return 0

"""session-tui import: bring a zipped session folder into the home, safely."""

from __future__ import annotations

import argparse
from pathlib import Path

from session_tui.cli.common import Context, add_json, emit_json
from session_tui.domain.wording import plural


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import",
        parents=[common],
        help="import a session archive or a zipped session folder",
        description="Import a session folder that was zipped (NAME/session.json, journal.jsonl, blobs/). "
        "Only the files a session holds are taken, never outside the new folder; the result is checked "
        "before it appears, and a damaged zip imports nothing.",
    )
    p.add_argument("zip", metavar="ZIP", help="a zipped session folder ('session-tui archive' writes one)")
    p.add_argument(
        "--as", dest="name", metavar="NAME", help="the new session's name (default: its folder name)"
    )
    add_json(p)
    p.set_defaults(func=cmd_import)


def cmd_import(ctx: Context) -> int:
    a = ctx.args
    done = ctx.engine.import_archive(Path(a.zip).expanduser(), a.name)
    result = done.result
    if a.json:
        emit_json(
            {
                "name": result.name,
                "path": str(result.path),
                "files": result.files,
                "skipped": result.skipped,
                "warnings": result.warnings,
                "parents": done.parents,
                "parents_present": done.parents_present,
            }
        )
        return 0
    print(f"Imported session {result.name!r} ({plural(result.files, 'file')}) to {result.path}")
    if done.parents:
        print(f"  with its parents {', '.join(done.parents)}")
    if done.parents_present:
        print(f"  parents already in this home, left as they are: {', '.join(done.parents_present)}")
    for w in result.warnings:
        print(f"  warning: {w}")
    return 0

"""The rest of a session's life: delete, rename, archive (a zip that 'import' reads back)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from session_tui.cli.common import Context, add_json, emit_json
from session_tui.domain.wording import plural
from session_tui.errors import InvalidInput


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "delete",
        parents=[common],
        help="delete a session",
        description="Delete a session folder with all its turns, checkpoints and images. On a "
        "terminal it asks first; --yes skips the question. Sessions made from it keep their "
        "lineage, noting that their parent was deleted.",
    )
    p.add_argument("name", metavar="NAME", help="the session to delete")
    p.add_argument("--yes", action="store_true", help="do not ask; needed when stdin is not a terminal")
    add_json(p)
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser(
        "rename",
        parents=[common],
        help="rename a session",
        description="Rename a session; the sessions reset or forked from it follow the new name.",
    )
    p.add_argument("old", metavar="NAME", help="the session to rename")
    p.add_argument("new", metavar="NEW_NAME", help="its new name")
    add_json(p)
    p.set_defaults(func=cmd_rename)

    p = sub.add_parser(
        "archive",
        parents=[common],
        help="zip a session folder whole, for 'import'",
        description="Write the session folder whole (turns, checkpoints, every image) into one zip, "
        "with the sha256 of every file, which 'session-tui import' reads back and verifies. "
        "Unlike 'export', nothing is left out.",
    )
    p.add_argument("name", metavar="NAME", help="the session to archive")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="the zip file to write")
    p.add_argument(
        "--with-parents",
        action="store_true",
        help="also archive the sessions it was reset or forked from, back to the first",
    )
    p.add_argument("--force", action="store_true", help="replace FILE.zip if it exists")
    add_json(p)
    p.set_defaults(func=cmd_archive)


def cmd_delete(ctx: Context) -> int:
    a = ctx.args
    engine = ctx.engine
    place = engine.place(a.name)  # refuse an unknown name before asking
    if not a.yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"Deleting {a.name!r} cannot be undone; add --yes to confirm.")
        summary = next((s for s in engine.summaries() if s.name == place.path.name), None)
        what = (
            f" ({plural(summary.turns, 'turn')}, {plural(summary.checkpoints, 'checkpoint')})"
            if summary
            else ""
        )
        sys.stderr.write(f"Delete session {a.name!r}{what} at {place.path}? This cannot be undone. [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            sys.stderr.write("Nothing was deleted.\n")
            return 1
    children = engine.delete(a.name)
    if a.json:
        emit_json({"deleted": a.name, "path": str(place.path), "children": children})
        return 0
    print(f"Deleted session {a.name!r} ({place.path}).")
    if children:
        whose = "keeps its" if len(children) == 1 else "keep their"
        print(f"  {', '.join(children)} {whose} lineage, noting that {a.name!r} was deleted.")
    return 0


def cmd_rename(ctx: Context) -> int:
    a = ctx.args
    children = ctx.engine.rename(a.old, a.new)
    place = ctx.engine.place(a.new)
    if a.json:
        emit_json({"old": a.old, "name": place.path.name, "path": str(place.path), "children": children})
        return 0
    print(f"Renamed session {a.old!r} to {place.path.name!r}: {place.path}")
    if children:
        print(f"  {', '.join(children)} now name {place.path.name!r} as their parent.")
    return 0


def cmd_archive(ctx: Context) -> int:
    a = ctx.args
    result = ctx.engine.archive(a.name, Path(a.out), with_parents=a.with_parents, force=a.force)
    if a.json:
        emit_json({"path": str(result.path), "sessions": result.sessions, "files": result.files})
        return 0
    also = f" with its parents {', '.join(result.sessions[1:])}" if len(result.sessions) > 1 else ""
    print(f"Archived session {a.name!r}{also} ({plural(result.files, 'file')}) to {result.path}")
    return 0

"""session-tui export: checkpoints to a folder or a zip."""

from __future__ import annotations

import argparse
from pathlib import Path

from session_tui.cli.common import Context, add_json, emit_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export",
        parents=[common],
        help="export checkpoints",
        description="Export checkpoints (all by default) as PNGs with their prompt and params "
        "in text chunks, plus manifest.json, to a folder or a zip.",
    )
    p.add_argument("name", metavar="NAME", help="the session")
    p.add_argument(
        "--out", required=True, metavar="DIR", help="folder to write (with --zip: the folder or a .zip path)"
    )
    p.add_argument("--zip", action="store_true", help="write one zip file")
    p.add_argument(
        "--checkpoint",
        action="append",
        default=None,
        metavar="ID_OR_LABEL",
        help="export only this checkpoint (repeatable; default: all)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace an --out folder that already holds files, whole"
    )
    add_json(p)
    p.set_defaults(func=cmd_export)


def cmd_export(ctx: Context) -> int:
    a = ctx.args
    result = ctx.engine.export(a.name, Path(a.out), as_zip=a.zip, which=a.checkpoint or (), force=a.force)
    if a.json:
        emit_json({"path": str(result.path), "files": result.files})
    else:
        from session_tui.engine.outputs import EXTRA_FILES

        count = len([f for f in result.files if f not in EXTRA_FILES])
        from session_tui.domain.wording import plural

        print(
            f"Exported {plural(count, 'checkpoint')} with a contact sheet and an HTML gallery "
            f"to {result.path}"
        )
    return 0

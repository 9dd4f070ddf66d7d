"""The headless core must run without Textual: only session_tui/tui/ may import it."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "session_tui.model",
    "session_tui.engine",
    "session_tui.store.sessions",
    "session_tui.providers.registry",
    "session_tui.providers.offline",
    "session_tui.export",
    "session_tui.cli",
    "session_tui.views",
]


def test_core_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        f"for m in {CORE!r}: __import__(m)\n"
        "from session_tui.cli.main import build_parser; build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_image'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version_does_not_import_textual_or_openai() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['session-tui', '--version']\n"
        "try:\n    runpy.run_module('session_tui', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'openai'))), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "session-tui 0.1.0"
    assert out.stderr.strip() == ""

"""The light commands import only what they need: never Textual, and no SDK or Pillow to read a session.

These are tests of imports, not of time (timings live in benchmarks/); an import that sneaks in
costs every invocation, so it is caught here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from session_tui.engine import Engine

PROBE = (
    "import sys, runpy, io, contextlib\n"
    "sys.argv = ['session-tui', *sys.argv[1:]]\n"
    "out = io.StringIO()\n"
    "with contextlib.redirect_stdout(out):\n"
    "    try:\n        runpy.run_module('session_tui', run_name='__main__')\n"
    "    except SystemExit as exc:\n        code = exc.code\n"
    "    else:\n        code = 0\n"
    "assert code in (0, None), code\n"
    "assert out.getvalue().strip(), 'the command printed nothing'\n"
    "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
)
HEAVY = {"textual", "textual_image", "openai", "httpx2", "PIL", "numpy"}


def imported(home: Path, *args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        env={"SESSION_TUI_HOME": str(home), "PATH": "/usr/bin:/bin", "COLUMNS": "100"},
    )
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


@pytest.fixture
def with_turn(engine: Engine, isolated_home: Path) -> Path:
    engine.new_session("demo")
    engine.send("demo", "on the beach", seed=3)
    return isolated_home


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["show", "demo"], ["show", "demo", "--json"]])
def test_reading_a_session_imports_no_ui_sdk_or_pillow(with_turn: Path, args: list[str]) -> None:
    modules = imported(with_turn, *args)
    assert "pydantic" in modules  # the probe really ran the command: reading a session validates it
    assert not modules & HEAVY


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["send", "--help"]])
def test_version_and_help_import_not_even_pydantic(isolated_home: Path, args: list[str]) -> None:
    modules = imported(isolated_home, *args)
    assert "session_tui" in modules
    assert not modules & (HEAVY | {"pydantic"})

"""Helpers shared by the reliability tests (issue 6): sessions with history, CLI runs, images."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from session_tui.cli.main import main
from session_tui.domain.model import Session
from session_tui.engine import Engine


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> CliResult:
    """Run the CLI in this process; a traceback escapes as an exception and fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_process(
    home: Path, *argv: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as its own process (for locks, kills and real exits)."""
    full_env = {**os.environ, "SESSION_TUI_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "session_tui", *argv],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_sentence(text: str) -> bool:
    """A single non-empty line from session-tui, with no traceback in it."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in text and lines[0].startswith("session-tui: ")


def build_session(engine: Engine, name: str = "demo", turns: int = 2, approve: bool = True) -> Session:
    engine.new_session(name)
    for i in range(turns):
        engine.send(name, f"turn {i + 1} on the beach", seed=i + 1)
    if approve:
        engine.approve(name, turn=1, label="first")
    return engine.load(name)


def png_bytes(size: tuple[int, int] = (32, 24), mode: str = "RGB", fmt: str = "PNG", **save: object) -> bytes:
    colour: object = {
        "RGB": (200, 80, 20),
        "RGBA": (200, 80, 20, 128),
        "L": 128,
        "CMYK": (0, 128, 255, 0),
        "I;16": 40000,
        "P": 3,
        "1": 1,
        "LA": (100, 200),
    }.get(mode, 0)
    img = Image.new(mode, size, colour)  # type: ignore[arg-type]
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def snapshot(path: Path) -> dict[str, bytes]:
    """Every regular file under ``path`` (relative name → bytes), ignoring the lock file."""
    files = {}
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.is_symlink() and p.name != ".lock":
            files[str(p.relative_to(path))] = p.read_bytes()
    return files

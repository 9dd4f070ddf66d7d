"""Helpers for the consistency-toolkit tests (issue 5): an in-process CLI, pictures, specs."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, PngImagePlugin
from rel_support import CliResult, run_cli

from session_tui.domain.model import CharacterSpec

ORANGE = CharacterSpec(
    name="Little Orange",
    hair="orange pigtails",
    eyes="big brown eyes",
    face="round face with blush",
    outfit="orange hoodie and white skirt",
    accessories=["orange hair accessory"],
    palette=["#FF8C00", "#FFFFFF"],
    keep=["same orange pigtails", "same blush"],
)


# One in-process CLI runner serves every test helper module.
Run = CliResult
cli = run_cli


def refused(run: Run, code: int = 2) -> str:
    """A refusal: the exit code, nothing on stdout, one sentence on stderr, no traceback."""
    assert run.code == code, (run.code, run.err)
    assert run.out == ""
    assert run.err.startswith("session-tui: ") and run.err.count("\n") == 1, run.err
    assert "Traceback" not in run.err
    return run.err


def png(
    path: Path,
    colour: tuple[int, int, int] = (255, 140, 0),
    size: tuple[int, int] = (64, 64),
    text: dict[str, str] | None = None,
) -> Path:
    img = Image.new("RGB", size, colour)
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value)
    img.save(path, format="PNG", pnginfo=info)
    return path

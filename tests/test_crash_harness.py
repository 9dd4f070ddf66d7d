"""The crash harness (scripts/crash_harness.py), run small: 40 SIGKILLs across send, approve, reset, export.

The full run is `python scripts/crash_harness.py --kills 200`; its figures are in docs/RELIABILITY.md.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from session_tui.store.sessions import SessionDir

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "crash_harness.py"


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crash_harness", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_harness"] = module
    spec.loader.exec_module(module)
    return module


def test_twenty_four_kills_lose_nothing(harness: ModuleType, tmp_path: Path) -> None:
    # The 200 kills of docs/RELIABILITY.md are scripts/reliability_report.py's; the suite keeps a sample.
    result = harness.run(kills=24, seed=7, time_limit_s=900, work=tmp_path / "work", cli_check_every=5)
    assert result.failures == []
    assert result.kills >= 24 and not result.timed_out
    assert set(result.kills_by_op) == {"send", "approve", "reset", "export"}
    assert set(result.kills_by_mode) == {"timer", "syscall"}
    assert result.checkpoints_reported >= 1 and result.cli_checks >= 5


def test_the_harness_notices_a_lost_checkpoint(harness: ModuleType, tmp_path: Path) -> None:
    """A harness that cannot fail proves nothing: remove a reported checkpoint and it must say so."""
    world = harness._seed_world(tmp_path / "work")
    result = harness.Result(seed=0, kills_wanted=0)
    harness._verify(world, result, cli=True)
    assert result.failures == []
    journal = world.home / "main" / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(line for line in lines if b'"type":"checkpoint"' not in line))
    assert SessionDir(world.home / "main").load().checkpoints == []
    harness._verify(world, result, cli=False)
    assert any("checkpoint main/cp1, reported saved, is missing" in f for f in result.failures)


def test_the_harness_notices_a_half_written_export(harness: ModuleType, tmp_path: Path) -> None:
    half = tmp_path / "half.zip"
    half.write_bytes(b"PK\x03\x04 not a whole zip")
    assert harness._export_problem(half) is not None
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"checkpoints": [{"file": "a.png"}]}')
    assert "lacks files" in harness._export_problem(folder)

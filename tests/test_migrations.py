"""Schema migrations: saved schema-1 sessions keep opening; the step machinery upgrades in order.

Schema 1 is the first format session-tui ever wrote, so there is no honest older fixture. The
saved schema-1 sessions guard every later version; the machinery is tested with steps injected here.
"""

from __future__ import annotations

import inspect
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from rel_support import run_cli

from session_tui.domain.model import SCHEMA_VERSION
from session_tui.engine import Engine
from session_tui.errors import CorruptSession
from session_tui.paths import Home
from session_tui.store import migrations
from session_tui.store.check import check_home

FIXTURES = Path(__file__).parent / "fixtures" / "schema1"


@pytest.fixture
def saved(home: Home) -> Home:
    for folder in FIXTURES.iterdir():
        if folder.is_dir():
            shutil.copytree(folder, home.root / folder.name)
    return home


def test_saved_schema1_sessions_open_whole(saved: Home, engine: Engine, tmp_path: Path) -> None:
    s = engine.load("mika-v1")
    assert s.warnings == []
    assert s.header.character.name == "Mika" and s.header.character.palette == ["#FF8C00"]
    assert [r.label for r in s.header.references] == ["front sketch"]
    assert [(t.index, t.status, t.params.seed) for t in s.turns] == [(1, "ok", 7), (2, "ok", 8)]
    assert [(c.id, c.label, c.note, c.turn) for c in s.checkpoints] == [("cp1", "wave", "the keeper", 1)]
    child = engine.load("mika-v1-r1")
    assert child.header.parent is not None and child.header.parent.checkpoint == "cp1"
    assert child.header.references[0].sha256 == s.checkpoints[0].image.sha256
    assert all(r.ok and not r.warnings for r in check_home(engine.store))
    assert run_cli("export", "mika-v1", "--out", str(tmp_path / "out")).code == 0
    engine.send("mika-v1", "one more", seed=9)  # a schema-1 session is written to as it is
    assert len(engine.load("mika-v1").turns) == 3


def test_migrations_are_named_functions_in_order() -> None:
    for steps in (migrations.HEADER_MIGRATIONS, migrations.RECORD_MIGRATIONS):
        versions = [v for v, _ in steps]
        assert versions == sorted(versions) and len(set(versions)) == len(versions)
        assert versions == list(range(1, 1 + len(versions)))  # from schema 1, no gaps
        assert all(v < SCHEMA_VERSION for v in versions)
        for _, step in steps:
            assert inspect.isfunction(step) and step.__name__ != "<lambda>" and step.__doc__


def _rename_hair(data: dict[str, Any]) -> dict[str, Any]:
    """1 → 2: the character's ``hair`` became ``hairstyle`` (a made-up change for the test)."""
    character = dict(data.get("character", {}))
    character["hairstyle"] = character.pop("hair", "")
    return {**data, "character": character}


def _undo_rename(data: dict[str, Any]) -> dict[str, Any]:
    """2 → 3: and back, so the current model can read the result."""
    character = dict(data.get("character", {}))
    character["hair"] = character.pop("hairstyle", "")
    return {**data, "character": character}


def _tag_records(data: dict[str, Any]) -> dict[str, Any]:
    """1 → 2 for journal records: mark them, to see the step ran."""
    return {**data, "note": data.get("note", "") + " [migrated]"}


def test_injected_steps_run_in_order_on_the_saved_fixture(
    saved: Home, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def step1(data: dict[str, Any]) -> dict[str, Any]:
        seen.append("1→2")
        return _rename_hair(data)

    def step2(data: dict[str, Any]) -> dict[str, Any]:
        seen.append("2→3")
        assert data["character"]["hairstyle"] == "short orange bob" and data["schema_version"] == 2
        return _undo_rename(data)

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(migrations, "HEADER_MIGRATIONS", ((1, step1), (2, step2)))
    monkeypatch.setattr(migrations, "RECORD_MIGRATIONS", ((1, _tag_records), (2, lambda d: d)))
    s = engine.load("mika-v1")
    assert seen == ["1→2", "2→3"]
    assert s.header.schema_version == 3 and s.header.character.hair == "short orange bob"
    assert s.checkpoints[0].note == "the keeper [migrated]" and s.checkpoints[0].schema_version == 3
    # Reading never rewrites the file: an older session-tui can still open it.
    assert json.loads((saved.root / "mika-v1" / "session.json").read_text())["schema_version"] == 1


def test_a_missing_step_is_refused_not_guessed(
    saved: Home, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(migrations, "HEADER_MIGRATIONS", ((2, _undo_rename),))  # nothing from 1
    with pytest.raises(CorruptSession, match="schema 1, which no migration"):
        engine.load("mika-v1")


@pytest.mark.parametrize("version", [0, -1, "1", True, None])
def test_versions_that_never_existed_are_refused(saved: Home, version: object) -> None:
    header = saved.root / "mika-v1" / "session.json"
    data = json.loads(header.read_text())
    data["schema_version"] = version
    header.write_text(json.dumps(data))
    r = run_cli("show", "mika-v1")
    assert r.code == 1 and r.err.startswith("session-tui: ") and "schema" in r.err, r.err

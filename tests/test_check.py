"""session-tui check: finds each kind of damage, repairs only what is safe, changes nothing otherwise."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from rel_support import build_session, run_cli, snapshot

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.store.check import DAMAGED, check_home, check_session
from session_tui.store.journal import encode
from session_tui.store.sessions import SessionDir


def _sd(home: Home, name: str = "demo") -> SessionDir:
    return SessionDir(home.root / name)


def _journal(home: Home, name: str = "demo") -> Path:
    return home.root / name / "journal.jsonl"


def test_clean_session_passes_and_check_changes_nothing(engine: Engine, home: Home) -> None:
    build_session(engine)
    before = snapshot(home.root / "demo")
    r = run_cli("check", "demo")
    assert r.code == 0, r.err
    assert "demo: ok (2 turns, 1 checkpoint, 2 images verified)" in r.out
    assert snapshot(home.root / "demo") == before
    doc = json.loads(run_cli("check", "--json").out)
    assert doc["ok"] is True and doc["errors"] == 0
    assert [s["name"] for s in doc["sessions"]] == ["demo"]


def test_torn_tail_is_a_warning_and_repair_keeps_its_bytes(engine: Engine, home: Home) -> None:
    build_session(engine)
    path = _journal(home)
    intact = path.read_bytes()
    torn = encode("turn", {"index": 9, "prompt": "half"})[:40]
    path.write_bytes(intact + torn)
    r = run_cli("check", "demo")
    assert r.code == 0
    assert "cut short by a crash" in r.out
    r = run_cli("check", "demo", "--repair")
    assert r.code == 0 and "cut the torn last journal line" in r.out
    assert path.read_bytes() == intact
    assert (home.root / "demo" / DAMAGED).read_bytes() == torn + b"\n"
    assert run_cli("check", "demo").out.count("warning") == 0


def test_garbled_line_is_an_error_the_rest_loads_and_repair_moves_it(engine: Engine, home: Home) -> None:
    build_session(engine)
    path = _journal(home)
    lines = path.read_bytes().split(b"\n")
    # Flip one character inside the first turn's prompt: still JSON, but the CRC no longer matches.
    assert b"turn 1 on" in lines[1]
    garbled = lines[1].replace(b"turn 1 on", b"turn 7 on")
    lines[1] = garbled
    lines.insert(3, b"\x00\xff not json at all")
    path.write_bytes(b"\n".join(lines))
    session = engine.load("demo")
    assert any("damaged" in w for w in session.warnings)
    assert [cp.label for cp in session.checkpoints] == ["first"]
    r = run_cli("check", "demo")
    assert r.code == 1
    assert r.out.count("error: journal line") == 2
    assert "the check found 2 errors" in r.err
    r = run_cli("check", "demo", "--repair")
    assert r.code == 0, r.out
    side = (home.root / "demo" / DAMAGED).read_bytes().split(b"\n")
    assert garbled in side and b"\x00\xff not json at all" in side
    assert engine.load("demo").warnings == []
    assert run_cli("check", "demo").code == 0


def test_missing_and_altered_blobs_are_errors(engine: Engine, home: Home) -> None:
    session = build_session(engine)
    sd = _sd(home)
    first, second = session.turns[0].images[0], session.turns[1].images[0]
    sd.blobs.path(first).unlink()
    sd.blobs.path(second).write_bytes(b"not the same bytes")
    report = check_session(engine.store, "demo")
    assert not report.ok
    text = "\n".join(report.errors)
    assert f"image {first.sha256[:12]} is missing" in text and "checkpoint cp1" not in text  # owner: turn 1
    assert f"image {second.sha256[:12]} does not match its hash" in text
    assert run_cli("check", "demo").code == 1


@pytest.mark.parametrize("outside", [True, False])
def test_symlinks_in_a_session_are_errors(engine: Engine, home: Home, tmp_path: Path, outside: bool) -> None:
    session = build_session(engine)
    sd = _sd(home)
    blob = sd.blobs.path(session.turns[1].images[0])
    data = blob.read_bytes()
    blob.unlink()
    if outside:
        target = tmp_path / "elsewhere.png"
        target.write_bytes(data)
    else:
        target = sd.path / "copy.png"
        target.write_bytes(data)
    blob.symlink_to(target)
    report = check_session(engine.store, "demo")
    where = "outside" if outside else "inside"
    assert any("is a symbolic link" in e and f"({where} the session)" in e for e in report.errors), (
        report.errors
    )


def test_missing_parent_is_a_warning_not_an_error(engine: Engine, home: Home) -> None:
    build_session(engine)
    engine.reset("demo", checkpoint="first", into="child")
    assert check_session(engine.store, "child").ok
    engine.reset("demo", checkpoint="first", into="other-child")
    shutil.rmtree(engine.store.root / "demo")  # gone without a word: moved away, or removed by hand
    report = check_session(engine.store, "child")
    assert report.ok
    assert any("not in this home (deleted or moved)" in w for w in report.warnings)
    assert run_cli("check", "child").code == 0
    build_session(engine, "demo-2")
    engine.reset("demo-2", checkpoint="first", into="child-2")
    engine.delete("demo-2")  # a delete through the engine leaves its date on the children
    assert any("which was deleted on" in w for w in check_session(engine.store, "child-2").warnings)


def test_pending_turn_is_reported(engine: Engine, home: Home) -> None:
    build_session(engine, turns=1, approve=False)
    sd = _sd(home)
    turn = engine.load("demo").turns[0].model_copy(update={"index": 2, "status": "pending", "images": []})
    sd.append_turn(turn)
    report = check_session(engine.store, "demo")
    assert report.ok
    assert any("turn 2 was interrupted" in w for w in report.warnings)


def test_newer_schema_is_an_error_with_a_sentence(engine: Engine, home: Home) -> None:
    build_session(engine)
    header = home.root / "demo" / "session.json"
    data = json.loads(header.read_text())
    data["schema_version"] = 99
    header.write_text(json.dumps(data))
    r = run_cli("check", "demo")
    assert r.code == 1
    assert "newer session-tui (schema 99" in r.out


def test_leftover_temp_files_and_staging_folders(engine: Engine, home: Home) -> None:
    build_session(engine)
    stray = home.root / "demo" / "blobs" / ".abc.png.4242.0badc0de.tmp"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half")
    staging = home.root / ".tmp"
    staging.mkdir(exist_ok=True)
    dead = staging / "demo-r1.999999999.deadbeef"
    dead.mkdir()
    (dead / "session.json").write_text("{}")
    live = staging / f"other.{os.getpid()}.cafef00d"  # a create in progress: never touched
    live.mkdir()
    reports = check_home(engine.store)
    assert all(r.ok for r in reports)
    warnings = "\n".join(w for r in reports for w in r.warnings)
    assert "temporary file" in warnings and "demo-r1.999999999.deadbeef" in warnings
    assert "other." not in warnings
    r = run_cli("check", "--repair")
    assert r.code == 0
    assert not stray.exists() and not dead.exists() and live.exists()


def test_unknown_session_is_one_sentence(engine: Engine) -> None:
    r = run_cli("check", "nope")
    assert r.code == 1 and r.err.startswith("session-tui: No session named 'nope'")
    r = run_cli("check", "../etc")
    assert r.code == 2 and "not allowed" in r.err


def test_busy_session_is_refused_clearly(engine: Engine, home: Home) -> None:
    build_session(engine, turns=1, approve=False)
    home.config_file.write_text("lock_timeout_s = 0.1\n")
    with _sd(home).lock():
        r = run_cli("check", "demo")
        assert r.code == 3 and "in use by another session-tui process" in r.err
        r = run_cli("check")
        assert r.code == 3 and "demo: not checked" in r.out  # busy is not "ok" (issue 16.16)


def test_check_all_reports_each_session(engine: Engine, home: Home) -> None:
    build_session(engine, "good")
    session = build_session(engine, "bad")
    _sd(home, "bad").blobs.path(session.checkpoints[0].image).unlink()
    r = run_cli("check")
    assert r.code == 1
    assert "good: ok" in r.out and "bad: 1 error" in r.out
    doc = json.loads(run_cli("check", "--json").out)
    assert {s["name"]: s["ok"] for s in doc["sessions"]} == {"good": True, "bad": False}


def test_a_checkpoint_edited_is_not_reported_but_one_id_for_two_pictures_is(engine: Engine) -> None:
    build_session(engine)  # cp1 'first' on turn 1
    assert run_cli("approve", "demo", "--turn", "1", "--label", "better", "--note", "n").code == 0
    report = check_session(engine.store, "demo")
    assert report.ok and not any("cp1" in w for w in report.warnings), report.warnings
    session = engine.load("demo")
    other = session.checkpoints[0].model_copy(update={"turn": 2, "image": session.turns[1].images[0]})
    with (engine.store.root / "demo" / "journal.jsonl").open("ab") as f:
        f.write(encode("checkpoint", other.model_dump(mode="json")))
    warnings = check_session(engine.store, "demo").warnings
    assert any("checkpoint id cp1 names two pictures" in w for w in warnings), warnings

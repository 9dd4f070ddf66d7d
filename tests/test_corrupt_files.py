"""Corrupt or hostile session files: a clear sentence, everything valid recovered, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rel_support import build_session, run_cli

from session_tui.domain.model import Session
from session_tui.engine import Engine
from session_tui.errors import CorruptSession
from session_tui.paths import Home
from session_tui.store.journal import encode
from session_tui.store.sessions import SessionDir


def _dir(home: Home, name: str = "demo") -> Path:
    return home.root / name


@pytest.fixture
def demo(engine: Engine) -> Session:
    return build_session(engine)


HEADER_DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "garbled": lambda raw: bytes(b ^ 0x5A for b in raw),
    "empty": lambda raw: b"",
    "not an object": lambda raw: b"[1, 2, 3]",
    "deeply nested": lambda raw: b"[" * 200_000 + b"]" * 200_000,
    "wrong types": lambda raw: json.dumps({"name": "demo", "references": "many", "params": 3}).encode(),
    "bad utf-8": lambda raw: raw.replace(b'"name"', b'"\xff\xfe"'),
    "hostile image hash": lambda raw: raw.replace(
        b'"references": []',
        json.dumps({"references": [{"sha256": "../../../../etc/passwd", "mime": "image/png"}]})[
            1:-1
        ].encode(),
    ),
}


@pytest.mark.parametrize("damage", sorted(HEADER_DAMAGE))
def test_damaged_header_is_one_sentence_everywhere(demo: Session, home: Home, damage: str) -> None:
    header = _dir(home) / "session.json"
    raw = header.read_bytes()
    if damage == "hostile image hash":
        assert b'"references": []' in raw
    header.write_bytes(HEADER_DAMAGE[damage](raw))
    with pytest.raises(CorruptSession):
        SessionDir(_dir(home)).load()
    for argv in (
        ["show", "demo"],
        ["send", "demo", "more"],
        ["approve", "demo"],
        ["export", "demo", "--out", str(home.root.parent / "out")],
        ["reset", "demo", "--checkpoint", "first"],
    ):
        r = run_cli(*argv)
        assert r.code == 1, (argv, r)
        assert r.err.startswith("session-tui: ") and r.err.count("\n") == 1, (argv, r.err)
        assert "session.json" in r.err
    listing = run_cli("list")
    assert listing.code == 0 and "demo  damaged:" in listing.out
    # What is still intact is said by check: the journal and the images.
    r = run_cli("check", "demo")
    assert r.code == 1 and "2 turns, 1 checkpoint, 2 images verified" in r.out


def test_half_written_last_line_loses_nothing(demo: Session, engine: Engine, home: Home) -> None:
    journal = _dir(home) / "journal.jsonl"
    journal.write_bytes(journal.read_bytes() + encode("checkpoint", {"id": "cp2"})[:25])
    session = engine.load("demo")
    assert len(session.turns) == 2 and [c.id for c in session.checkpoints] == ["cp1"]
    assert session.warnings == ["journal line 6 was cut short by a crash and was skipped"]
    engine.send("demo", "one more")  # the next write cuts the torn line off
    session = engine.load("demo")
    assert session.warnings == [] and len(session.turns) == 3


def test_a_torn_record_bigger_than_a_megabyte_is_still_cut(demo: Session, engine: Engine, home: Home) -> None:
    journal = _dir(home) / "journal.jsonl"
    huge = encode("turn", {"index": 5, "prompt": "x", "reply_text": "y" * 3_000_000})
    journal.write_bytes(journal.read_bytes() + huge[: len(huge) - 10])
    engine.approve("demo", turn=2, label="second")
    session = engine.load("demo")
    assert [c.label for c in session.checkpoints] == ["first", "second"]
    assert session.warnings == []


def test_journal_that_is_a_folder_is_refused_clearly(demo: Session, home: Home) -> None:
    journal = _dir(home) / "journal.jsonl"
    journal.unlink()
    journal.mkdir()
    r = run_cli("show", "demo")
    assert r.code == 1 and r.err.startswith("session-tui: ") and r.err.count("\n") == 1


def test_missing_blob_clear_messages_and_the_rest_still_works(
    demo: Session, engine: Engine, home: Home, tmp_path: Path
) -> None:
    sd = SessionDir(_dir(home))
    sd.blobs.path(demo.checkpoints[0].image).unlink()
    r = run_cli("export", "demo", "--out", str(tmp_path / "out"))
    assert r.code == 1 and "is missing" in r.err and r.err.count("\n") == 1
    assert not (tmp_path / "out").exists()
    r = run_cli("reset", "demo", "--checkpoint", "first")
    assert r.code == 1 and "is missing" in r.err and r.err.count("\n") == 1
    assert engine.store.names() == ["demo"]
    assert run_cli("show", "demo").code == 0
    engine.approve("demo", turn=2, label="second")
    assert run_cli("export", "demo", "--out", str(tmp_path / "out"), "--checkpoint", "second").code == 0


def test_altered_blob_is_never_exported_or_promoted(
    demo: Session, engine: Engine, home: Home, tmp_path: Path
) -> None:
    sd = SessionDir(_dir(home))
    path = sd.blobs.path(demo.checkpoints[0].image)
    other = sd.blobs.path(demo.turns[1].images[0]).read_bytes()
    path.write_bytes(other)  # a valid image, but not the approved one
    r = run_cli("export", "demo", "--out", str(tmp_path / "out"))
    assert r.code == 1 and "does not match its hash" in r.err
    r = run_cli("reset", "demo", "--checkpoint", "first")
    assert r.code == 1 and "does not match its hash" in r.err
    assert engine.store.names() == ["demo"]


@pytest.mark.parametrize("which", ["session.json", "journal.jsonl", "blob", "blobs"])
def test_symlink_pointing_outside_is_not_followed(
    demo: Session, engine: Engine, home: Home, tmp_path: Path, which: str
) -> None:
    sd = SessionDir(_dir(home))
    secret = tmp_path / "secret"
    secret.mkdir()
    if which == "blob":
        path = sd.blobs.path(demo.checkpoints[0].image)
    elif which == "blobs":
        path = sd.path / "blobs"
    else:
        path = sd.path / which
    target = secret / "target"
    path.rename(target)
    path.symlink_to(target)
    before = sorted(p.name for p in secret.rglob("*"))
    for argv in (
        ["show", "demo"],
        ["export", "demo", "--out", str(tmp_path / "out")],
        ["reset", "demo", "--checkpoint", "first"],
        ["send", "demo", "more"],
    ):
        r = run_cli(*argv)
        assert "Traceback" not in r.err
        if r.code:
            assert r.err.startswith("session-tui: ") and r.err.count("\n") == 1, (argv, r.err)
    # Exports and promotions never carry the outside file; writes never land outside.
    assert not (tmp_path / "out").exists()
    assert engine.store.names() == ["demo"]
    assert sorted(p.name for p in secret.rglob("*")) == before
    r = run_cli("check", "demo")
    assert r.code == 1 and "symbolic link" in r.out


def test_newer_schema_header_is_refused_with_a_sentence(demo: Session, home: Home) -> None:
    header = _dir(home) / "session.json"
    data = json.loads(header.read_text())
    data["schema_version"] = 7
    header.write_text(json.dumps(data))
    r = run_cli("show", "demo")
    assert r.code == 1
    assert "written by a newer session-tui (schema 7" in r.err and "upgrade session-tui" in r.err


def test_newer_schema_record_is_skipped_and_the_rest_recovered(
    demo: Session, engine: Engine, home: Home
) -> None:
    journal = _dir(home) / "journal.jsonl"
    future = encode(
        "checkpoint", {"schema_version": 5, "id": "cp9", "turn": 1, "image": {"sha256": "0" * 64}}
    )
    journal.write_bytes(journal.read_bytes() + future)
    session = engine.load("demo")
    assert [c.id for c in session.checkpoints] == ["cp1"] and len(session.turns) == 2
    assert any("newer session-tui" in w for w in session.warnings)
    r = run_cli("show", "demo")
    assert r.code == 0 and "newer session-tui" in r.err


def test_hostile_checkpoint_id_does_not_break_approve(demo: Session, engine: Engine, home: Home) -> None:
    journal = _dir(home) / "journal.jsonl"
    odd = {"id": "cp²", "turn": 1, "image": demo.checkpoints[0].image.model_dump(mode="json")}
    journal.write_bytes(journal.read_bytes() + encode("checkpoint", odd))
    r = run_cli("approve", "demo", "--turn", "2")
    assert r.code == 0, r.err
    assert [c.id for c in engine.load("demo").checkpoints] == ["cp1", "cp²", "cp2"]

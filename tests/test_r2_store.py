"""Issue 16, data lost or hidden: unended records, headerless folders, gaps, odd names, check's edges."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from rel_support import build_session, one_sentence, run_cli, snapshot

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.store import check_repair
from session_tui.store.check import DAMAGED, check_home, check_session
from session_tui.store.journal import encode
from session_tui.store.sessions import SessionDir


def _journal(home: Home, name: str = "demo") -> Path:
    return home.root / name / "journal.jsonl"


# 1. A whole last record without its newline is kept -------------------------------------------


def test_whole_last_record_without_newline_is_kept_by_show_check_and_the_next_write(
    engine: Engine, home: Home
) -> None:
    build_session(engine)
    path = _journal(home)
    data = path.read_bytes()
    path.write_bytes(data[:-1])  # truncate -s -1: the last record (the checkpoint) loses its newline
    assert [cp.label for cp in engine.load("demo").checkpoints] == ["first"]
    r = run_cli("check", "demo")
    assert r.code == 0 and "lacks its final newline; it is kept" in r.out
    assert "cut short" not in r.out
    engine.send("demo", "one more")
    s = engine.load("demo")
    assert [cp.label for cp in s.checkpoints] == ["first"] and len(s.turns) == 3
    assert path.read_bytes().startswith(data)  # the record is kept whole, its newline added
    cp = engine.approve("demo", label="second")
    assert cp.id != "cp1"  # the id of the hidden checkpoint is never reused
    assert check_session(engine.store, "demo").ok


def test_repair_adds_the_missing_newline_and_keeps_the_record(engine: Engine, home: Home) -> None:
    build_session(engine)
    path = _journal(home)
    data = path.read_bytes()
    path.write_bytes(data[:-1])
    r = run_cli("check", "demo", "--repair")
    assert r.code == 0 and "ended journal line" in r.out
    assert path.read_bytes() == data
    assert not (home.root / "demo" / DAMAGED).exists()


def test_a_torn_tail_is_still_cut(engine: Engine, home: Home) -> None:
    build_session(engine)
    path = _journal(home)
    data = path.read_bytes()
    path.write_bytes(data + encode("turn", {"index": 9, "prompt": "half"})[:-5])  # CRC cannot verify
    engine.send("demo", "after the crash")
    assert path.read_bytes().startswith(data) and b'"half"' not in path.read_bytes()


def test_import_keeps_an_unended_last_record(engine: Engine, home: Home, tmp_path: Path) -> None:
    import zipfile

    build_session(engine)
    folder = home.root / "demo"
    out = tmp_path / "demo.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.name != ".lock":
                data = p.read_bytes()
                zf.writestr(f"demo/{p.relative_to(folder)}", data[:-1] if p.name == "journal.jsonl" else data)
    r = run_cli("import", str(out), "--as", "copy")
    assert r.code == 0, r.err
    assert [cp.id for cp in engine.load("copy").checkpoints] == ["cp1"]
    assert engine.approve("copy", label="next").id == "cp2"


# 3. A folder whose session.json is missing, a folder or a FIFO --------------------------------


@pytest.mark.parametrize("kind", ["missing", "folder", "fifo"])
def test_headerless_folder_is_damage_and_repair_rebuilds_the_header(
    engine: Engine, home: Home, kind: str
) -> None:
    build_session(engine)
    header = home.root / "demo" / "session.json"
    header.unlink()
    if kind == "folder":
        header.mkdir()
    elif kind == "fifo":
        os.mkfifo(header)
    r = run_cli("check")
    assert r.code == 1, r.out
    assert "session.json" in r.out and "2 turns and 1 checkpoint" in r.out and "--repair" in r.out
    assert "No sessions" not in r.out
    listed = run_cli("list")
    assert "demo" in listed.out + listed.err
    r = run_cli("check", "--repair")
    assert r.code == 0, r.out
    assert "rebuilt session.json" in r.out
    s = engine.load("demo")
    assert len(s.turns) == 2 and [cp.label for cp in s.checkpoints] == ["first"]
    if kind != "missing":
        assert any(p.name.startswith("session.json.damaged.") for p in (home.root / "demo").iterdir())


def test_missing_journal_beside_images_is_damage(engine: Engine, home: Home) -> None:
    build_session(engine)
    _journal(home).unlink()
    r = run_cli("check", "demo")
    assert r.code == 1 and "journal.jsonl is missing while 2 stored images belong to no turn" in r.out


# 4. Gaps in turn numbers after a repair -------------------------------------------------------


def test_export_works_when_a_repair_left_a_gap(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine, turns=4, approve=False)
    engine.approve("demo", turn=2, label="gone")  # its turn's record is damaged below
    engine.approve("demo", turn=3, label="keep")
    path = _journal(home)
    lines = path.read_bytes().split(b"\n")
    for i, line in enumerate(lines):  # turn 2's records (pending and ended) are damaged
        if b'"index":2,' in line:
            lines[i] = line.replace(b'"index":2,', b'"index":7,')
    path.write_bytes(b"\n".join(lines))
    assert run_cli("check", "demo", "--repair").code == 0
    assert [t.index for t in engine.load("demo").turns] == [1, 3, 4]
    r = run_cli("export", "demo", "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [c["label"] for c in manifest["checkpoints"]] == ["gone", "keep"]
    r = run_cli("send", "demo", "after the repair")
    assert r.code == 0, r.err
    assert [t.index for t in engine.load("demo").turns] == [1, 3, 4, 5]
    for argv in (["show", "demo"], ["fork", "demo", "--turn", "3", "--into", "f"], ["approve", "demo"]):
        r = run_cli(*argv)
        assert r.code == 0, (argv, r.err)
    r = run_cli("fork", "demo", "--turn", "2", "--into", "g")
    assert r.code == 2 and one_sentence(r.err) and "it has turns 1, 3 to 5" in r.err


# 5. One odd folder name does not stop the whole-home check ------------------------------------


def test_odd_folder_name_is_reported_and_the_rest_is_checked(engine: Engine, home: Home) -> None:
    build_session(engine)
    shutil.copytree(home.root / "demo", home.root / "s (copy)")
    build_session(engine, "zz")
    r = run_cli("check")
    assert r.code == 1
    assert "rename the folder" in r.out and "'s-copy'" in r.out
    assert "demo: ok" in r.out and "zz: ok" in r.out


# 16. The smaller ones -------------------------------------------------------------------------


def test_lock_that_is_a_folder_is_an_error_and_repair_replaces_it(engine: Engine, home: Home) -> None:
    build_session(engine)
    lock = home.root / "demo" / ".lock"
    lock.unlink()
    lock.mkdir()
    r = run_cli("check", "demo")
    assert r.code == 1 and ".lock is a folder" in r.out
    r = run_cli("check", "demo", "--repair")
    assert r.code == 0 and lock.is_file()
    engine.send("demo", "works again")


def test_repair_goes_on_after_a_session_it_cannot_repair(
    engine: Engine, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_session(engine, "a")
    build_session(engine, "b")
    for name in ("a", "b"):
        p = _journal(home, name)
        p.write_bytes(p.read_bytes() + b"garbage\n")
    real = check_repair.move_damaged

    def read_only(sd: SessionDir, *args: object) -> None:
        if sd.name == "a":
            from session_tui.errors import StorageError

            raise StorageError(
                f"Could not write to {sd.path}: the file system is read-only; nothing was changed."
            )
        real(sd, *args)  # type: ignore[arg-type]

    monkeypatch.setattr("session_tui.store.check_journal.move_damaged", read_only)
    reports = {r.name: r for r in check_home(engine.store, repair=True)}
    assert not reports["a"].ok and "read-only" in reports["a"].errors[0]
    assert reports["b"].ok and reports["b"].repaired


def test_interrupted_repair_does_not_save_lines_twice(
    engine: Engine, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_session(engine)
    p = _journal(home)
    p.write_bytes(p.read_bytes() + b"garbage one\n")

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the kill lands after the side file was written, before the rewrite

    monkeypatch.setattr(check_repair, "atomic_write", killed)
    with pytest.raises(KeyboardInterrupt):
        check_session(engine.store, "demo", repair=True)
    monkeypatch.undo()
    assert (home.root / "demo" / DAMAGED).read_bytes() == b"garbage one\n"
    assert check_session(engine.store, "demo", repair=True).ok
    assert (home.root / "demo" / DAMAGED).read_bytes() == b"garbage one\n"
    assert b"garbage" not in p.read_bytes()


def test_busy_session_in_the_whole_home_check_is_not_ok(engine: Engine, home: Home) -> None:
    build_session(engine)
    home.config_file.write_text("lock_timeout_s = 0.1\n")
    with SessionDir(home.root / "demo").lock():
        r = run_cli("check")
        assert r.code == 3 and "demo: not checked" in r.out
        doc = json.loads(run_cli("check", "--json").out)
        assert doc["ok"] is False and doc["not_checked"] == 1
        assert doc["sessions"][0]["checked"] is False
    before = snapshot(home.root / "demo")
    assert run_cli("check").code == 0
    assert snapshot(home.root / "demo") == before


def test_send_on_a_full_disk_says_the_prompt_is_kept_not_that_nothing_changed(
    engine: Engine, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from session_tui.store.atomic import describe_os_error

    build_session(engine, turns=1, approve=False)

    def full(path: Path, data: bytes, **kwargs: object) -> None:
        raise describe_os_error(OSError(errno.ENOSPC, "No space left on device"), "write", path)

    monkeypatch.setattr("session_tui.store.blobs.atomic_write", full)
    r = run_cli("send", "demo", "in the snow")
    assert r.code != 0 and one_sentence(r.err)
    assert "nothing was changed" not in r.err and "kept as failed turn 2" in r.err, r.err
    last = engine.load("demo").turns[-1]
    assert (last.index, last.status, last.prompt) == (2, "failed", "in the snow")

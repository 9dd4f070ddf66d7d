"""session-tui import ZIP: a zipped session folder comes in whole; a hostile zip brings nothing."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest
from rel_support import build_session, run_cli

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.store.check import check_session


def _zip_folder(
    folder: Path, target: Path, prefix: str | None = None, extra: dict[str, bytes] | None = None
) -> Path:
    prefix = folder.name if prefix is None else prefix
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                name = f"{prefix}/{p.relative_to(folder)}" if prefix else str(p.relative_to(folder))
                zf.write(p, name)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return target


def _outside(tmp_path: Path) -> set[str]:
    return {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "home" not in p.parts}


def test_round_trip_keeps_everything(engine: Engine, home: Home, tmp_path: Path) -> None:
    original = build_session(engine)
    archive = _zip_folder(home.root / "demo", tmp_path / "demo.zip", extra={"demo/notes.txt": b"hello"})
    r = run_cli("import", str(archive), "--as", "copy", "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["name"] == "copy" and {"demo/.lock", "demo/notes.txt"} <= set(doc["skipped"])
    copy = engine.load("copy")
    assert copy.turns == original.turns and copy.checkpoints == original.checkpoints
    assert check_session(engine.store, "copy").ok
    # Without --as, the folder name in the zip is used; a second import of it is refused.
    engine.delete("demo")
    assert run_cli("import", str(archive)).code == 0 and engine.load("demo").turns == original.turns
    r = run_cli("import", str(archive))
    assert r.code == 1 and "already exists" in r.err


def test_a_zip_with_the_files_at_its_top_uses_its_own_name(
    engine: Engine, home: Home, tmp_path: Path
) -> None:
    build_session(engine)
    archive = _zip_folder(home.root / "demo", tmp_path / "flat-one.zip", prefix="")
    assert run_cli("import", str(archive)).code == 0
    assert "flat-one" in engine.store.names()


HOSTILE = {
    "zip-slip ..": {"demo/../../evil.txt": b"x"},
    "absolute path": {"/tmp/evil.txt": b"x"},
    "backslash": {"demo\\..\\evil.txt": b"x"},
    "drive letter": {"C:/evil.txt": b"x"},
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_entries_pointing_outside_import_nothing(
    engine: Engine, home: Home, tmp_path: Path, case: str
) -> None:
    build_session(engine)
    archive = _zip_folder(home.root / "demo", tmp_path / "bad.zip", prefix="other", extra=HOSTILE[case])
    before = _outside(tmp_path)
    r = run_cli("import", str(archive))
    assert r.code == 2 and "points outside its folder; nothing was imported" in r.err, r.err
    assert engine.store.names() == ["demo"] and _outside(tmp_path) == before
    assert not list((home.root / ".tmp").glob("*")) if (home.root / ".tmp").exists() else True


def test_a_link_in_the_zip_imports_nothing(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine)
    archive = _zip_folder(home.root / "demo", tmp_path / "link.zip", prefix="other")
    with zipfile.ZipFile(archive, "a") as zf:
        info = zipfile.ZipInfo("other/journal.damaged.jsonl")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    r = run_cli("import", str(archive))
    assert r.code == 2 and "is a link or a special file" in r.err
    assert engine.store.names() == ["demo"]


def test_a_zip_bomb_is_refused_before_it_is_read(engine: Engine, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x/session.json", json.dumps({"name": "x"}))
        zf.writestr("x/journal.jsonl", b"\n" * (60 * 2**20))  # 60 MB of newlines → about 60 KB
    r = run_cli("import", str(bomb))
    assert r.code == 2 and "zip bomb" in r.err
    assert engine.store.names() == []


def test_damaged_contents_import_nothing(engine: Engine, home: Home, tmp_path: Path) -> None:
    session = build_session(engine)
    blob = engine.session_dir("demo").blobs.path(session.checkpoints[0].image)
    rel = f"demo/{blob.relative_to(home.root / 'demo')}"
    archive = tmp_path / "altered.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted((home.root / "demo").rglob("*")):
            if p.is_file() and p.name != ".lock":
                name = f"demo/{p.relative_to(home.root / 'demo')}"
                zf.writestr(name, b"not the image" if name == rel else p.read_bytes())
    engine.delete("demo")
    r = run_cli("import", str(archive))
    assert r.code == 2 and "is damaged (image" in r.err and "nothing was imported" in r.err, r.err
    assert engine.store.names() == []


@pytest.mark.parametrize("content", [b"not a zip", b"", b"PK\x03\x04truncated"])
def test_not_a_zip_is_one_sentence(engine: Engine, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(content)
    r = run_cli("import", str(path))
    assert r.code == 2 and r.err.startswith("session-tui: ") and r.err.count("\n") == 1


def test_zips_without_exactly_one_session(engine: Engine, tmp_path: Path) -> None:
    for name, entries in {
        "none.zip": {"a.txt": b"hi"},
        "two.zip": {"a/session.json": b"{}", "b/session.json": b"{}"},
    }.items():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for n, d in entries.items():
                zf.writestr(n, d)
        (tmp_path / name).write_bytes(buf.getvalue())
        r = run_cli("import", str(tmp_path / name))
        assert r.code == 2 and "exactly one session folder" in r.err


def test_a_bad_name_in_the_zip_is_refused(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine)
    archive = _zip_folder(home.root / "demo", tmp_path / "n.zip", prefix=".hidden")
    r = run_cli("import", str(archive))
    assert r.code == 2 and "not allowed" in r.err
    assert run_cli("import", str(archive), "--as", "fine").code == 0


def test_duplicate_entries_import_nothing(engine: Engine, home: Home, tmp_path: Path) -> None:
    import warnings

    build_session(engine)
    archive = _zip_folder(home.root / "demo", tmp_path / "dup.zip", prefix="other")
    with warnings.catch_warnings(), zipfile.ZipFile(archive, "a") as zf:
        warnings.simplefilter("ignore")
        zf.writestr("other/session.json", json.dumps({"name": "other", "provider": "evil"}))
    r = run_cli("import", str(archive))
    assert r.code == 2 and "two entries named 'other/session.json'" in r.err

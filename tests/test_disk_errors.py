"""Disk full, permission denied, read-only: a failed write leaves the session as it was and says so.

Every write-like system call (open for writing, write, pwrite, fsync, rename, replace, link, mkdir)
is counted; the Nth fails with ENOSPC, EROFS or EACCES, once or from then on (a disk that stays
full). Each command is run at every N until it no longer reaches a write. Root ignores file modes,
so chmod cannot simulate a read-only folder here; the injection works as root and as anyone.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from rel_support import build_session, one_sentence, run_cli, snapshot

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.store.check import check_home
from session_tui.store.sessions import Store

REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission was denied",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_CALLS = ("write", "pwrite", "fsync", "rename", "replace", "link", "mkdir", "open")


@dataclass
class Faults:
    """Fail the ``at``-th write-like call (and, if ``sticky``, every later one) with ``err``."""

    at: int
    err: int
    sticky: bool
    count: int = 0
    fired: bool = False
    originals: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in _CALLS:
            original = getattr(os, name)
            self.originals[name] = original
            monkeypatch.setattr(os, name, self._wrap(name, original))

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if name == "open" and not (args[1] if len(args) > 1 else kwargs.get("flags", 0)) & _WRITE_FLAGS:
                return original(*args, **kwargs)
            self.count += 1
            if self.count == self.at or (self.sticky and self.count > self.at):
                self.fired = True
                raise OSError(self.err, os.strerror(self.err))
            return original(*args, **kwargs)

        return call


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_base(tmp_path_factory.mktemp("disk-base"))


def make_base(root: Path) -> Path:
    """A home with a session (two turns, a checkpoint, a torn journal tail) and a reference file."""
    engine = Engine(Home(root / "home"))
    build_session(engine)
    Image.new("RGB", (20, 20), (10, 200, 90)).save(root / "ref.png")
    # A torn tail, so that check --repair has something to write.
    journal = root / "home" / "demo" / "journal.jsonl"
    journal.write_bytes(journal.read_bytes() + b'{"crc":"12')
    return root


OPS: dict[str, Callable[[Path], list[str]]] = {
    "new": lambda r: ["new", "fresh", "--ref", f"{r / 'ref.png'}=sketch"],
    "send": lambda r: ["send", "demo", "on a bicycle", "--seed", "5"],
    "send-ref": lambda r: ["send", "demo", "with the sketch", "--ref", str(r / "ref.png")],
    "approve": lambda r: ["approve", "demo", "--turn", "2", "--label", "two"],
    "reset": lambda r: ["reset", "demo", "--checkpoint", "first", "--into", "again"],
    "fork": lambda r: ["fork", "demo", "--turn", "1", "--into", "branch"],
    "export": lambda r: ["export", "demo", "--out", str(r / "out")],
    "export-zip": lambda r: ["export", "demo", "--zip", "--out", str(r / "out.zip")],
    "check-repair": lambda r: ["check", "demo", "--repair"],
}


def _trial(base: Path, work: Path, monkeypatch: pytest.MonkeyPatch, op: str, faults: Faults) -> bool:
    """Run ``op`` with ``faults``; return whether a fault fired (then assert the session is as it was)."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(base, work)
    home = work / "home"
    monkeypatch.setenv("SESSION_TUI_HOME", str(home))
    before = snapshot(home)
    engine = Engine(Home(home))
    old = engine.load("demo")
    with monkeypatch.context() as m:
        faults.install(m)
        result = run_cli(*OPS[op](work))
    if not faults.fired:
        assert result.code == 0, (op, result)
        return False
    if result.code == 0:
        # Only a best-effort write may fail unnoticed (a folder fsync, the pid in the lock file, a
        # hard link that falls back to a copy, the score saved after the turn): the command's
        # result must then be complete.
        _assert_done(op, work, Engine(Home(home)))
        assert all(r.ok for r in check_home(Store(home)))
        return True
    where = f"{op} failing at write {faults.at} ({errno.errorcode[faults.err]}, sticky={faults.sticky})"
    assert result.code != 0, where
    assert one_sentence(result.err), (where, result.err)
    assert REASONS[faults.err] in result.err, (where, result.err)
    after = snapshot(home)
    if op.startswith("send"):
        # The prompt is kept as a failed or interrupted turn; nothing else changes.
        new = engine.load("demo")
        assert new.header.model_dump() == old.header.model_dump() or op == "send-ref"
        assert new.turns[: len(old.turns)] == old.turns and new.checkpoints == old.checkpoints, where
        assert all(t.status in ("failed", "interrupted") for t in new.turns[len(old.turns) :]), where
        assert {k: v for k, v in after.items() if "demo/" not in k} == {
            k: v for k, v in before.items() if "demo/" not in k
        }
    else:
        assert _untorn(after) == _untorn(before), (where, set(after) ^ set(before))
    assert not (work / "out").exists() and not (work / "out.zip").exists(), where
    reports = check_home(Store(home))
    assert all(r.ok for r in reports), (where, [r.errors for r in reports])
    return True


def _assert_done(op: str, work: Path, engine: Engine) -> None:
    if op.startswith("send"):
        assert engine.load("demo").turns[-1].status == "ok", op
    elif op == "approve":
        assert [c.label for c in engine.load("demo").checkpoints] == ["first", "two"]
    elif op in ("new", "reset", "fork"):
        assert engine.store.names() == sorted(
            ["demo", {"new": "fresh", "reset": "again", "fork": "branch"}[op]]
        )
    elif op == "export":
        assert (work / "out" / "manifest.json").is_file()
    elif op == "export-zip":
        assert (work / "out.zip").is_file()
    elif op == "check-repair":
        assert engine.load("demo").warnings == []


def _untorn(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files with the journal's torn tail (a crash's leftover, never saved) cut off."""
    out = dict(files)
    journal = out.get("demo/journal.jsonl")
    if journal is not None:
        out["demo/journal.jsonl"] = journal[: journal.rfind(b"\n") + 1]
    return out


@pytest.mark.parametrize("op", sorted(OPS))
def test_a_failed_write_changes_nothing_and_says_so(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, op: str
) -> None:
    kinds = list(REASONS)
    fired = 0
    for at in range(1, 200):
        faults = Faults(at=at, err=kinds[at % len(kinds)], sticky=bool(at % 2))
        if not _trial(base, tmp_path / "work", monkeypatch, op, faults):
            break
        fired += 1
    else:
        pytest.fail(f"{op} never finished")
    assert fired >= 1, f"{op} made no write at all"


def test_read_only_folder_by_mode(engine: Engine, home: Home) -> None:
    """Without root, a real read-only folder (chmod) gives the same sentence."""
    if os.geteuid() == 0:
        pytest.skip("root ignores file modes; the injected faults above cover read-only folders")
    build_session(engine)
    folder = home.root / "demo"
    before = snapshot(folder)
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    try:
        for p in [folder, *folder.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        r = run_cli("approve", "demo", "--turn", "2")
        assert r.code != 0 and one_sentence(r.err) and "permission was denied" in r.err
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
    assert snapshot(folder) == before

"""Two processes on one session at once: the second waits or refuses clearly; writes never interleave."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rel_support import build_session, run_cli_process

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.store.check import check_home
from session_tui.store.journal import decode
from session_tui.store.sessions import SessionDir

HOLD_LOCK = r"""
import sys
from pathlib import Path
from session_tui.store.sessions import SessionDir
lock = SessionDir(Path(sys.argv[1])).lock()
lock.acquire()
print("locked", flush=True)
sys.stdin.readline()
lock.release()
"""


def _start(home: Path, *argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SESSION_TUI_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "session_tui", *argv],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def _journal_is_whole(path: Path) -> None:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    for line in data.splitlines():
        decode(line)  # raises if two writes were interleaved inside a line


def test_concurrent_writers_wait_their_turn(engine: Engine, home: Home, tmp_path: Path) -> None:
    build_session(engine)
    home.config_file.write_text("lock_timeout_s = 60\n")  # a slow machine must not turn waiting into refusing
    procs = [_start(home.root, "send", "demo", f"pose {i}", "--seed", str(i)) for i in range(3)]
    procs += [
        _start(home.root, "approve", "demo", "--turn", "1", "--label", "again", "--again"),
        _start(home.root, "approve", "demo", "--turn", "2", "--label", "two"),
        _start(home.root, "export", "demo", "--out", str(tmp_path / "out")),
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    for _out, err, code in results:
        assert code == 0, err
    _journal_is_whole(home.root / "demo" / "journal.jsonl")
    session = engine.load("demo")
    assert session.warnings == []
    assert [t.index for t in session.turns] == [1, 2, 3, 4, 5] and all(
        t.status == "ok" for t in session.turns
    )
    assert sorted(t.prompt for t in session.turns[2:]) == ["pose 0", "pose 1", "pose 2"]
    assert sorted(c.id for c in session.checkpoints) == ["cp1", "cp2", "cp3"]  # no id given twice
    assert all(r.ok for r in check_home(engine.store))


def test_a_busy_session_is_refused_in_one_sentence(engine: Engine, home: Home) -> None:
    build_session(engine)
    home.config_file.write_text("lock_timeout_s = 0.2\n")
    journal = home.root / "demo" / "journal.jsonl"
    before = journal.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(home.root / "demo")],
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        for argv in (["send", "demo", "hi"], ["approve", "demo"], ["check", "demo", "--repair"]):
            r = run_cli_process(home.root, *argv)
            assert r.returncode == 3, (argv, r.stderr)
            assert r.stderr == (
                f"session-tui: Session 'demo' is in use by another session-tui process "
                f"(pid {holder.pid}); try again when it has finished.\n"
            )
        # Reading is never blocked: show and export work while a writer holds the lock.
        assert run_cli_process(home.root, "show", "demo").returncode == 0
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert journal.read_bytes() == before
    assert run_cli_process(home.root, "approve", "demo", "--turn", "2").returncode == 0


def test_two_resets_into_one_name_make_one_session(engine: Engine, home: Home) -> None:
    build_session(engine)
    procs = [_start(home.root, "reset", "demo", "--checkpoint", "first", "--into", "child") for _ in range(3)]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert sorted(code for _, _, code in results) == [0, 1, 1]
    for _, err, code in results:
        if code:
            assert err == "session-tui: A session named 'child' already exists; choose another name.\n"
    assert engine.store.names() == ["child", "demo"]
    assert engine.load("child").header.references[0].role == "promoted"
    assert all(r.ok for r in check_home(engine.store))


def test_engine_in_process_and_cli_share_the_lock(engine: Engine, home: Home) -> None:
    """The TUI runs the engine in its own process: a CLI command meets the same lock it holds."""
    build_session(engine)
    home.config_file.write_text("lock_timeout_s = 0.2\n")
    with SessionDir(home.root / "demo").lock():
        r = run_cli_process(home.root, "send", "demo", "hello")
        assert r.returncode == 3 and "in use by another session-tui process" in r.stderr
    assert len(engine.load("demo").turns) == 2

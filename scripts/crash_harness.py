#!/usr/bin/env python3
"""Crash harness: SIGKILL ``session-tui send``, ``approve``, ``reset`` and ``export`` at random moments.

Two kinds of kill, both seeded:
- timer: the harness starts the command and sends SIGKILL after a random delay (up to a little
  more than the command's usual run time);
- syscall: the command is started under a boot hook that counts its write-like system calls
  (open for writing, write, pwrite, fsync, ftruncate, rename, replace, link, mkdir, unlink, rmdir)
  and SIGKILLs itself just before or just after a randomly chosen one, so every step of every
  write is hit, not only the slow ones.

After every run (killed or not): every session opens, ``check`` finds no error (in-process, and
the ``session-tui check`` command every few runs), every checkpoint an ``approve`` reported saved
is still there with the same image, every turn reported done is still ok, every session a
``reset`` reported is there, and an export target is either absent or complete.

    python scripts/crash_harness.py --kills 200            # the full run (a few minutes)
    python scripts/crash_harness.py --kills 40 --seed 7    # what the test suite runs
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

BOOT = r"""
import os, signal, sys
_at = int(os.environ.get("CRASH_AT", "0"))
_count_file = os.environ.get("CRASH_COUNT_FILE")
_n = [0]
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
def _wrap(name, fn):
    def call(*a, **k):
        if name == "open" and not ((a[1] if len(a) > 1 else k.get("flags", 0)) & _WRITE):
            return fn(*a, **k)
        _n[0] += 1
        if _n[0] * 2 - 1 == _at:
            os.kill(os.getpid(), signal.SIGKILL)
        result = fn(*a, **k)
        if _n[0] * 2 == _at:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return call
for _name in ("write", "pwrite", "fsync", "ftruncate", "rename", "replace", "link", "mkdir", "open",
              "unlink", "rmdir"):
    setattr(os, _name, _wrap(_name, getattr(os, _name)))
if _count_file:
    import atexit
    atexit.register(lambda: open(_count_file, "w").write(str(_n[0])))
from session_tui.cli import main
sys.exit(main())
"""

OPS = ("send", "approve", "reset", "export")
CHILD_TIMEOUT_S = 60.0


@dataclass
class Result:
    seed: int
    kills_wanted: int
    kills: int = 0
    kills_by_op: dict[str, int] = field(default_factory=dict)
    kills_by_mode: dict[str, int] = field(default_factory=dict)
    runs: int = 0
    completed: int = 0
    refused: int = 0
    checks: int = 0
    cli_checks: int = 0
    checkpoints_reported: int = 0
    turns_reported: int = 0
    warnings_seen: int = 0
    failures: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures and self.kills >= self.kills_wanted


@dataclass
class World:
    """What the harness knows was reported saved: it must never disappear."""

    work: Path
    home: Path
    checkpoints: dict[tuple[str, str], str] = field(default_factory=dict)  # (session, cp id) -> sha256
    turns: dict[tuple[str, int], str] = field(default_factory=dict)  # (session, turn) -> sha256
    sessions: set[str] = field(default_factory=set)
    exports: list[Path] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # write-like calls per op, measured
    seconds: dict[str, float] = field(default_factory=dict)  # run time per op, measured


def _env(world: World, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRASH_")}
    env["SESSION_TUI_HOME"] = str(world.home)
    env.update(extra or {})
    return env


def _argv(world: World, op: str, rng: random.Random, i: int) -> list[str] | None:
    from session_tui.engine import Engine
    from session_tui.paths import Home

    engine = Engine(Home(world.home))
    names = engine.store.names()
    if not names:
        return None
    name = "main" if rng.random() < 0.6 and "main" in names else rng.choice(names)
    if op == "send":
        return ["send", name, f"pose {i} on the beach", "--seed", str(i)]
    if op == "approve":
        return ["approve", name, "--label", f"pick-{i}"]
    if op == "reset":
        cps = engine.load(name).checkpoints
        if not cps:
            return None
        return ["reset", name, "--checkpoint", rng.choice(cps).id, "--into", f"r{i}"]
    as_zip = rng.random() < 0.5
    out = world.work / "exports" / (f"e{i}.zip" if as_zip else f"e{i}")
    world.exports.append(out)
    return ["export", name, "--out", str(out), *(["--zip"] if as_zip else [])]


def _start(world: World, argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", BOOT, *argv],
        env=_env(world, env),
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _calibrate(world: World, op: str, argv: list[str], result: Result) -> None:
    """Run ``op`` once to completion, counting its write calls and timing it."""
    count_file = world.work / "count"
    started = time.monotonic()
    proc = _start(world, argv, {"CRASH_COUNT_FILE": str(count_file)})
    out, err = proc.communicate(timeout=CHILD_TIMEOUT_S)
    world.seconds[op] = time.monotonic() - started
    try:
        world.calls[op] = max(1, int(count_file.read_text()))
    except (OSError, ValueError):
        world.calls[op] = 20
    _record(world, argv, proc.returncode, out, err, result)


def _record(world: World, argv: list[str], code: int, out: str, err: str, result: Result) -> None:
    """Remember what the command reported saved; a refusal must be one clean sentence."""
    result.runs += 1
    if "Traceback" in err:
        result.failures.append(f"{' '.join(argv)} printed a traceback: {err.strip().splitlines()[-1]}")
    if code == -signal.SIGKILL:
        return
    if code == 0:
        result.completed += 1
    else:
        result.refused += 1
        if not err.startswith("session-tui: "):
            result.failures.append(f"{' '.join(argv)} failed without a sentence (exit {code}): {err[:200]!r}")
    name = argv[1]
    for m in re.finditer(r"Saved checkpoint (cp\d+).*?/([0-9a-f]{64})\.\w+", out):
        world.checkpoints[(name, m.group(1))] = m.group(2)
        result.checkpoints_reported += 1
    for m in re.finditer(r"Turn (\d+): .*?/([0-9a-f]{64})\.\w+", out):
        world.turns[(name, int(m.group(1)))] = m.group(2)
        result.turns_reported += 1
    for m in re.finditer(r"Reset into '([^']+)'", out):
        world.sessions.add(m.group(1))


def _verify(world: World, result: Result, cli: bool) -> None:
    from session_tui.errors import SessionTuiError
    from session_tui.store.check import check_home
    from session_tui.store.sessions import SessionDir, Store

    store = Store(world.home)
    names = store.names()
    result.checks += 1
    for name in names:
        try:
            SessionDir(world.home / name).load()
        except SessionTuiError as exc:
            result.failures.append(f"session {name!r} does not open: {exc.message}")
    for report in check_home(store):
        result.failures.extend(f"check {report.name or 'home'}: {e}" for e in report.errors)
    for missing in sorted(world.sessions - set(names)):
        result.failures.append(f"session {missing!r}, reported created by reset, is gone")
    loaded = {}
    for (name, cp_id), sha in world.checkpoints.items():
        if name not in loaded:
            loaded[name] = SessionDir(world.home / name).load() if name in names else None
        session = loaded[name]
        found = [c for c in session.checkpoints if c.id == cp_id] if session else []
        if not found or found[0].image.sha256 != sha:
            result.failures.append(f"checkpoint {name}/{cp_id}, reported saved, is missing or changed")
    for (name, index), sha in world.turns.items():
        if name not in loaded:
            loaded[name] = SessionDir(world.home / name).load() if name in names else None
        session = loaded[name]
        turns = [t for t in session.turns if t.index == index] if session else []
        if not turns or turns[0].status != "ok" or turns[0].images[0].sha256 != sha:
            result.failures.append(f"turn {name}/{index}, reported done, is missing or changed")
    for out in world.exports:
        problem = _export_problem(out)
        if problem:
            result.failures.append(problem)
    if cli:
        result.cli_checks += 1
        proc = subprocess.run(
            [sys.executable, "-m", "session_tui", "check"],
            env=_env(world),
            text=True,
            capture_output=True,
            timeout=CHILD_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            result.failures.append(
                f"'session-tui check' exited {proc.returncode}: {proc.stderr.strip()[:300]}"
            )
        result.warnings_seen = proc.stdout.count("warning:")


def _export_problem(out: Path) -> str | None:
    """An export target is absent or complete: never a half-written zip or folder."""
    if not out.exists():
        return None
    try:
        if out.suffix == ".zip":
            with zipfile.ZipFile(out) as zf:
                if zf.testzip() is not None or not any(n.endswith("/manifest.json") for n in zf.namelist()):
                    return f"export {out.name} is an incomplete zip"
            return None
        manifest = json.loads((out / "manifest.json").read_text())
        files = [item["file"] for item in manifest["checkpoints"]]
        if not all((out / f).is_file() for f in files):
            return f"export {out.name} lacks files its manifest lists"
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        return f"export {out.name} is damaged ({type(exc).__name__}: {exc})"
    return None


def _seed_world(work: Path) -> World:
    from session_tui.engine import Engine
    from session_tui.paths import Home

    home = work / "home"
    engine = Engine(Home(home))
    engine.new_session("main")
    for i in range(2):
        engine.send("main", f"standing {i}", seed=i)
    engine.approve("main", turn=1, label="start")
    world = World(work=work, home=home, sessions={"main"})
    session = engine.load("main")
    world.checkpoints[("main", "cp1")] = session.checkpoints[0].image.sha256
    return world


def run(
    kills: int = 200,
    seed: int = 6,
    time_limit_s: float = 900.0,
    work: Path | None = None,
    cli_check_every: int = 5,
    progress: bool = False,
) -> Result:
    """Kill until ``kills`` processes died by SIGKILL (or the time runs out); verify after each run."""
    rng = random.Random(seed)
    result = Result(seed=seed, kills_wanted=kills)
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="session-tui-crash-")) if work is None else work
    started = time.monotonic()
    try:
        world = _seed_world(work)
        i = 0
        while result.kills < kills:
            if time.monotonic() - started > time_limit_s:
                result.timed_out = True
                break
            i += 1
            op = OPS[i % len(OPS)] if i <= 2 * len(OPS) else rng.choice(OPS)
            argv = _argv(world, op, rng, i)
            if argv is None:
                continue
            if op not in world.calls:
                _calibrate(world, op, argv, result)
                _verify(world, result, cli=True)
                continue
            # A quarter of the runs finish, so that what they report saved is there for later kills to threaten.
            mode = "finish" if rng.random() < 0.25 else rng.choice(("timer", "syscall"))
            if mode == "finish":
                proc = _start(world, argv, {})
            elif mode == "syscall":
                proc = _start(world, argv, {"CRASH_AT": str(rng.randint(1, 2 * world.calls[op]))})
            else:
                proc = _start(world, argv, {})
                try:
                    proc.wait(timeout=rng.uniform(0.0, 1.15 * world.seconds[op]))
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
            try:
                out, err = proc.communicate(timeout=CHILD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                result.failures.append(f"{' '.join(argv)} hung for {CHILD_TIMEOUT_S:.0f}s")
            if proc.returncode == -signal.SIGKILL:
                result.kills += 1
                result.kills_by_op[op] = result.kills_by_op.get(op, 0) + 1
                result.kills_by_mode[mode] = result.kills_by_mode.get(mode, 0) + 1
            _record(world, argv, proc.returncode, out, err, result)
            _verify(world, result, cli=result.runs % cli_check_every == 0)
            if progress and proc.returncode == -signal.SIGKILL and result.kills % 20 == 0:
                print(
                    f"  {result.kills} kills, {result.runs} runs, {len(result.failures)} failures, "
                    f"{time.monotonic() - started:.0f}s",
                    flush=True,
                )
            if result.failures:
                break
        _verify(world, result, cli=True)
    finally:
        result.elapsed_s = round(time.monotonic() - started, 1)
        if own:
            shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="SIGKILLed processes to reach (default 200)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--time-limit", type=float, default=900.0, metavar="SECONDS")
    parser.add_argument("--work", type=Path, help="keep the work folder here (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run(args.kills, args.seed, args.time_limit, args.work, progress=not args.json)
    if args.json:
        print(json.dumps({**asdict(result), "ok": result.ok}, indent=2))
    else:
        print(
            f"{result.kills} kills ({result.kills_by_op}, {result.kills_by_mode}) in {result.runs} runs, "
            f"{result.elapsed_s}s; {result.checkpoints_reported} checkpoints and {result.turns_reported} turns "
            f"reported saved; {result.checks} checks ({result.cli_checks} by the CLI)"
        )
        for failure in result.failures:
            print(f"FAILURE: {failure}")
        if result.timed_out:
            print(f"stopped by the time limit before {result.kills_wanted} kills")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

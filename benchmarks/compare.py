"""Before and after: the same measurements on the code before the performance work and on this tree.

    python benchmarks/compare.py [--baseline REV] [--quick]

The baseline's ``session_tui`` is taken from git (``git archive``, read-only) into a temporary
folder; both trees run in fresh processes (``python -S`` with the tree first on PYTHONPATH, so the
editable install does not win), alternately, on the same sessions.
"""

from __future__ import annotations

import io
import os
import site
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as pk

BASELINE = "0c88321"  # the last commit before the performance work (issue 7)
LOAD_PROBE = (
    "import sys, time, statistics\n"
    "from pathlib import Path\n"
    "from session_tui.store.sessions import SessionDir\n"
    "sd = SessionDir(Path(sys.argv[1]))\n"
    "times = []\n"
    "for _ in range(5):\n"
    "    t = time.perf_counter(); sd.load(); times.append(time.perf_counter() - t)\n"
    "print(statistics.median(times))\n"
)


def extract(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(pk.REPO), "archive", "--format=tar", rev, "session_tui"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def tree_env(home: Path, tree: Path) -> dict[str, str]:
    env = pk.bench_env(home)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *site.getsitepackages()])
    return env


def measure(baseline: str, repeats: int) -> dict[str, dict[str, list[tuple[float, int]]]]:
    import bench_history

    out: dict[str, dict[str, list[tuple[float, int]]]] = {}
    with tempfile.TemporaryDirectory(prefix="st-bench-compare-") as tmp:
        root = Path(tmp)
        trees = {"before": extract(baseline, root / "before"), "after": pk.REPO}
        home = root / "home"
        service = pk.LocalService(pk.sample_png(1024, 1024, 6)).start()
        try:
            bench_history.SIZES = (100, 1000)
            bench_history.build(home, service.base_url)
            py = [sys.executable, "-S"]
            cases = {
                "`session-tui --version`": py + ["-m", "session_tui", "--version"],
                "`session-tui show` (1,000 turns)": py + ["-m", "session_tui", "show", "h1000"],
                "`session-tui send` (100 turns)": py + ["-m", "session_tui", "send", "h100", "waving"],
                "`session-tui send` (1,000 turns)": py + ["-m", "session_tui", "send", "h1000", "waving"],
                "load a 1,000-turn session (in-process)": py + ["-c", LOAD_PROBE, str(home / "h1000")],
            }
            for _ in range(repeats):
                for label, argv in cases.items():
                    for which, tree in trees.items():
                        if which == "before" and "(1,000 turns)" in label and "send" in label:
                            continue  # carries every picture: minutes and gigabytes, then fails (see the text)
                        run = pk.run_process(argv, tree_env(home, tree), cwd=root)  # not the repo: "" leads sys.path
                        if run.returncode != 0:
                            raise RuntimeError(f"{label} ({which}) failed: {run.stderr[-500:]}")
                        seconds = float(run.stdout) if "in-process" in label else run.seconds
                        out.setdefault(label, {}).setdefault(which, []).append((seconds, run.max_rss_kb))
        finally:
            service.stop()
    return out


def report(quick: bool = False, baseline: str = BASELINE) -> str:
    os.environ[pk.KEY_ENV] = pk.KEY
    results = measure(baseline, 3 if quick else 5)
    rows: list[tuple[Any, ...]] = []
    for label, by_tree in results.items():
        cells = []
        for which in ("before", "after"):
            runs = by_tree.get(which)
            if not runs:
                cells.append("not run: minutes and gigabytes, then it fails (see above)")
                continue
            t = pk.median([s for s, _ in runs])
            m = pk.median([kb for _, kb in runs])
            cells.append(f"{pk.fmt_ms(t)}" + ("" if "in-process" in label else f", {m / 1000:.0f} MB"))
        before, after = by_tree.get("before"), by_tree["after"]
        gain = (f"{pk.median([s for s, _ in before]) / pk.median([s for s, _ in after]):.1f}×"
                if before else "")
        rows.append((label, *cells, gain))
    return "\n".join([
        "### Before and after", "",
        (f"Baseline: commit `{baseline}` (before this work); medians of {3 if quick else 5} alternating runs, "
        "whole processes unless marked."), "",
        pk.table(["", "before", "after", "time before ÷ after"], rows), ""])


if __name__ == "__main__":
    args = sys.argv[1:]
    base = args[args.index("--baseline") + 1] if "--baseline" in args else BASELINE
    print(report(quick="--quick" in args, baseline=base))

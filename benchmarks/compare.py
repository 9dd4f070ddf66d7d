"""Before and after: the same measurements on the code before the performance work and on this tree.

    python benchmarks/compare.py [--baseline REV[,REV...]] [--quick]

Each baseline's ``session_tui`` is taken from git (``git archive``, read-only) into a temporary
folder; all trees run in fresh processes (``python -S`` with the tree first on PYTHONPATH, so the
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

# The last commit before the performance work (issue 7), and the landing of its first round.
BASELINES = ("0c88321", "b3218cf")
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
    archive = subprocess.run(
        ["git", "-C", str(pk.REPO), "archive", "--format=tar", rev, "session_tui"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def tree_env(home: Path, tree: Path) -> dict[str, str]:
    env = pk.bench_env(home)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *site.getsitepackages()])
    return env


def measure(baselines: tuple[str, ...], repeats: int) -> dict[str, dict[str, list[tuple[float, int]]]]:
    """label -> tree -> runs of (seconds, peak RSS kB); a tree that cannot run a case has no runs."""
    import json

    import bench_history

    out: dict[str, dict[str, list[tuple[float, int]]]] = {}
    with tempfile.TemporaryDirectory(prefix="st-bench-compare-") as tmp:
        root = Path(tmp)
        trees = {rev: extract(rev, root / rev) for rev in baselines}
        trees["now"] = pk.REPO
        home = root / "home"
        service = pk.LocalService(pk.sample_png(1024, 1024, 6)).start()
        try:
            bench_history.SIZES = (100, 1000)
            bench_history.build(home, service.base_url)
            py = [sys.executable, "-S"]
            probe = str(pk.REPO / "benchmarks" / "tui_probe.py")
            cases = {
                "`session-tui --version`": [*py, "-m", "session_tui", "--version"],
                "`session-tui show` (1,000 turns)": [*py, "-m", "session_tui", "show", "h1000"],
                "`session-tui show --json` (1,000 turns)": [
                    *py,
                    "-m",
                    "session_tui",
                    "show",
                    "h1000",
                    "--json",
                ],
                "`session-tui list` (a 1,000-turn session among 3)": [*py, "-m", "session_tui", "list"],
                "`session-tui send` (100 turns)": [*py, "-m", "session_tui", "send", "h100", "waving"],
                "`session-tui send` (1,000 turns)": [*py, "-m", "session_tui", "send", "h1000", "waving"],
                "open: first paint (1,000 turns)": [*py, probe, "first-paint", str(home), "h1000"],
                "load a 1,000-turn session (in-process)": [*py, "-c", LOAD_PROBE, str(home / "h1000")],
            }
            broken: set[tuple[str, str]] = set()
            for _ in range(repeats):
                for label, argv in cases.items():
                    for which, tree in trees.items():
                        if which == baselines[0] and "(1,000 turns)" in label and "send" in label:
                            continue  # carries every picture: minutes and gigabytes, then fails (see the text)
                        if (label, which) in broken:
                            continue
                        run = pk.run_process(
                            argv, tree_env(home, tree), cwd=root
                        )  # not the repo: "" leads sys.path
                        if run.returncode != 0:
                            if which == "now":
                                raise RuntimeError(f"{label} ({which}) failed: {run.stderr[-500:]}")
                            broken.add((label, which))  # an older tree without what the case drives
                            continue
                        if "in-process" in label:
                            seconds = float(run.stdout)
                        elif "first paint" in label:
                            seconds = json.loads(run.stdout)["first_paint_s"]
                        else:
                            seconds = run.seconds
                        out.setdefault(label, {}).setdefault(which, []).append((seconds, run.max_rss_kb))
        finally:
            service.stop()
    return out


def report(quick: bool = False, baselines: tuple[str, ...] = BASELINES) -> str:
    os.environ[pk.KEY_ENV] = pk.KEY
    repeats = 3 if quick else 5
    results = measure(baselines, repeats)
    trees = [*baselines, "now"]
    rows: list[tuple[Any, ...]] = []
    for label, by_tree in results.items():
        cells = []
        for which in trees:
            runs = by_tree.get(which)
            if not runs:
                cells.append("not run" if which == baselines[0] and "send" in label else "cannot run")
                continue
            t = pk.median([s for s, _ in runs])
            m = pk.median([kb for _, kb in runs])
            cells.append(f"{pk.fmt_ms(t)}" + ("" if "in-process" in label else f", {m / 1000:.0f} MB"))
        now = pk.median([s for s, _ in by_tree["now"]])
        gains = [
            f"{pk.median([s for s, _ in by_tree[b]]) / now:.1f}×" if by_tree.get(b) else "" for b in baselines
        ]
        rows.append((label, *cells, *gains))
    return "\n".join(
        [
            "### Before and after",
            "",
            (
                f"`{baselines[0]}` is the last commit before the performance work, `{baselines[-1]}` the landing of "
                f"its first round; medians of {repeats} alternating runs, whole processes unless marked (the "
                "first paint is the probe's, its memory the probe process's). \"Not run\": it carries every "
                'picture, minutes and gigabytes, then fails; "cannot run": that tree has not what the case drives.'
            ),
            "",
            pk.table(
                [
                    "",
                    *(f"`{t}`" if t != "now" else "now" for t in trees),
                    *(f"time `{b}` ÷ now" for b in baselines),
                ],
                rows,
            ),
            "",
        ]
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    revs = tuple(args[args.index("--baseline") + 1].split(",")) if "--baseline" in args else BASELINES
    print(report(quick="--quick" in args, baselines=revs))

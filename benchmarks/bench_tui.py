"""Responsiveness: key presses in the TUI while a turn is being drawn, against the same keys when idle.

    python benchmarks/bench_tui.py [--quick]

benchmarks/tui_probe.py (Textual's Pilot, headless) types into the prompt of an open session and
times each key from reaching the app to the prompt showing it: idle, while a provider waits on
the network, and while a provider keeps the interpreter busy. Target: as fast as when idle.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as pk


def report(quick: bool = False) -> tuple[str, list[pk.Check]]:
    from session_tui.engine import Engine
    from session_tui.paths import Home

    runs = 2 if quick else 5
    with tempfile.TemporaryDirectory(prefix="st-bench-tui-") as tmp:
        home = Path(tmp) / "home"
        engine = Engine(Home(home))
        engine.new_session("demo")
        for i in range(3):
            engine.send("demo", f"scene {i}", seed=i)
        results = []
        for _ in range(runs):
            run = pk.run_process(
                [sys.executable, str(pk.REPO / "benchmarks" / "tui_probe.py"), "keys", str(home), "demo"],
                pk.bench_env(home),
            )
            assert run.returncode == 0, run.stderr
            results.append(json.loads(run.stdout))
    labels = list(results[0])
    idle = statistics.median(r["idle"]["median_ms"] for r in results)
    rows = []
    worst = 0.0
    for label in labels:
        med = statistics.median(r[label]["median_ms"] for r in results)
        p90 = statistics.median(r[label]["p90_ms"] for r in results)
        worst = max(worst, med / idle)
        rows.append((label, f"{med:.2f} ms", f"{p90:.1f} ms", f"{med / idle:.2f}×"))
    lines = [
        "### Responsiveness",
        "",
        (
            f"Per key, from reaching the app to the prompt showing it; medians over {runs} runs of 40 "
            "keys each (p90: the 90th percentile, median over the runs)."
        ),
        "",
        pk.table(["while", "median", "p90", "vs idle"], rows),
        "",
        f"Slowest median against idle: {worst:.2f}×.",
        "",
    ]
    # "As fast as when idle": within a millisecond of it, which no one can tell apart (a frame is 16 ms).
    slowest = max(statistics.median(r[label]["median_ms"] for r in results) for label in labels)
    checks = [
        pk.Check(
            "key presses while drawing handled as fast as when idle (median per key)",
            f"{idle:.2f} ms idle, {slowest:.2f} ms at worst",
            slowest - idle < 1.0,
        )
    ]
    return "\n".join(lines), checks


if __name__ == "__main__":
    print(report(quick="--quick" in sys.argv)[0])

"""History does not cost: `show`, `send` and the TUI's first paint for sessions of 1, 100 and 1,000 turns.

    python benchmarks/bench_history.py [--quick]

The sessions hold finished turns with 1K pictures (four distinct ones, stored once), written
with the journal's own encoder from a real turn's record (see perfkit.grow_session). Every
figure is a whole process (`session-tui show`, `session-tui send` through an openai-chat profile
to the local service, and benchmarks/tui_probe.py for `session-tui open`), run alternately across
the three sessions; the fastest time and the median memory, each compared with the 1-turn
session. Target: within 1.2x, for time and for peak memory.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as pk
from bench_turn import script

SIZES = (1, 100, 1000)
# Measured beside the targets, not targets of issue 7: the JSON of every turn grows with the session
# by its nature, and a whole `open` process includes Python's and Textual's start.
INFORMATIVE = ("show --json", "open (whole process)")


def build(home: Path, base_url: str) -> None:
    from session_tui.engine import Engine
    from session_tui.paths import Home

    pk.write_config(home, base_url)
    engine = Engine(Home(home))
    engine.new_session("template")
    template = engine.send("template", "the character waving on a sunny beach").model_dump(mode="json")
    for n in SIZES:
        name = f"h{n}"
        engine.new_session(name)
        blobs = engine.session_dir(name).blobs
        pictures = [blobs.put(pk.sample_png(1024, 1024, s)).model_dump(mode="json") for s in range(1, 5)]
        pk.grow_session(home, name, template, n, pictures)


def measure(repeats: int) -> dict[str, dict[int, list[Any]]]:
    results: dict[str, dict[int, list[Any]]] = {
        "show": {},
        "show --json": {},
        "send": {},
        "open (whole process)": {},
        "open: first paint": {},
    }
    with tempfile.TemporaryDirectory(prefix="st-bench-history-") as tmp:
        home = Path(tmp) / "home"
        service = pk.LocalService(pk.sample_png(1024, 1024, 6)).start()
        try:
            build(home, service.base_url)
            env = pk.bench_env(home)
            probe = str(pk.REPO / "benchmarks" / "tui_probe.py")
            for _ in range(repeats):
                for n in SIZES:
                    name = f"h{n}"
                    for label, argv in (
                        ("show", [script(), "show", name]),
                        ("show --json", [script(), "show", name, "--json"]),
                        ("send", [script(), "send", name, "the same, now waving"]),
                    ):
                        run = pk.run_process(argv, env)
                        assert run.returncode == 0, run.stderr
                        results[label].setdefault(n, []).append((run.seconds, run.max_rss_kb))
                    run = pk.run_process([sys.executable, probe, "first-paint", str(home), name], env)
                    assert run.returncode == 0, run.stderr
                    facts = json.loads(run.stdout)
                    results["open (whole process)"].setdefault(n, []).append((run.seconds, run.max_rss_kb))
                    results["open: first paint"].setdefault(n, []).append(
                        (facts["first_paint_s"], run.max_rss_kb)
                    )
        finally:
            service.stop()
    return results


def report(quick: bool = False) -> tuple[str, list[pk.Check]]:
    os.environ[pk.KEY_ENV] = pk.KEY
    repeats = 3 if quick else 9
    results = measure(repeats)
    rows = []
    worst = 0.0
    checks = []
    for label, by_size in results.items():
        informative = label in INFORMATIVE
        base_t = min(t for t, _ in by_size[SIZES[0]])
        base_m = pk.median([m for _, m in by_size[SIZES[0]]])
        cells = []
        for n in SIZES:
            t = min(t for t, _ in by_size[n])
            m = pk.median([m for _, m in by_size[n]])
            if not informative:
                worst = max(worst, t / base_t, m / base_m)
            cells.append(f"{pk.fmt_ms(t)} ({t / base_t:.2f}×), {m / 1000:.0f} MB ({m / base_m:.2f}×)")
        top_t = max(min(t for t, _ in by_size[n]) / base_t for n in SIZES)
        top_m = max(pk.median([m for _, m in by_size[n]]) / base_m for n in SIZES)
        if not informative:
            checks.append(
                pk.Check(
                    f"{label}: 100 and 1,000 turns within 1.2× of 1 turn (time, memory)",
                    f"{top_t:.2f}×, {top_m:.2f}×",
                    top_t <= 1.2 and top_m <= 1.2,
                )
            )
        rows.append((label, *cells))
    lines = [
        "### History does not cost",
        "",
        (
            f"Whole processes, {repeats} alternating runs: the fastest time (as `timeit` advises: "
            "on this shared machine one process's time moved by ±15 % from run to run, its CPU time "
            "with it, and only ever upwards) and the median peak memory; in brackets, the ratio to "
            "the 1-turn session. `open: first paint` is from creating the app (which reads the session) "
            "to the first frame that holds its turns, as Textual hands it to the terminal "
            "(`run_test`, imports excluded; memory is the whole probe process's, thumbnails "
            "decoded). `show --json` and the whole `open` process are there to compare, not targets: "
            "the JSON of every turn grows with the session by its nature."
        ),
        "",
        pk.table(["", *(f"{n:,} turn{'s' if n > 1 else ''}" for n in SIZES)], rows),
        "",
        f"**Largest ratio of the targets: {worst:.2f}×** (target <= 1.2×: {pk.verdict(worst <= 1.2)}).",
        "",
    ]
    return "\n".join(lines), checks


if __name__ == "__main__":
    print(report(quick="--quick" in sys.argv)[0])

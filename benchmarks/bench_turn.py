"""Turn overhead: a whole `session-tui send` against a bare SDK script, and the engine's own work.

    python benchmarks/bench_turn.py [--quick]

1. Process ratio: `session-tui send` (openai-chat profile) and benchmarks/bare_send.py make the
   same chat.completions call to a local service that answers at once with a 1K PNG; each run is
   a new process, runs alternate, and the medians are compared. Target: ratio <= 1.3.
2. The engine's own work: Engine.send in-process with a provider that returns a precomputed 1K
   PNG instantly, so nothing but session-tui's own work is timed. Target: <= 20 ms.
3. What the light commands import (the test suite checks that none of them imports Textual).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as pk

PROMPT = "the character waving on a sunny beach"
IMPORT_PROBE = (
    "import sys, runpy, io, contextlib\n"
    "sys.argv = ['session-tui', *sys.argv[1:]]\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n        runpy.run_module('session_tui', run_name='__main__')\n"
    "    except SystemExit:\n        pass\n"
    "tops = {m.split('.')[0] for m in sys.modules}\n"
    "print(' '.join(sorted(tops & {'textual', 'textual_image', 'openai', 'httpx2', 'PIL', 'pydantic'})))\n"
)


def script() -> str:
    """The installed `session-tui` script next to this interpreter (not a shim in front of it)."""
    import sysconfig

    return str(Path(sysconfig.get_path("scripts")) / "session-tui")


def process_ratio(root: Path, repeats: int) -> dict[str, Any]:
    from session_tui.engine import Engine
    from session_tui.paths import Home

    image = pk.sample_png(1024, 1024, 1)
    service = pk.LocalService(image).start()
    try:
        home = root / "turn-home"
        pk.write_config(home, service.base_url)
        env = pk.bench_env(home)
        engine = Engine(Home(home))
        out = root / "bare-out.png"
        counter = iter(range(10_000))

        def tui() -> float:
            name = f"t{next(counter)}"
            engine.new_session(name)  # not timed: a fresh session, so every send is a first turn
            run = pk.run_process([script(), "send", name, PROMPT], env)
            assert run.returncode == 0, run.stderr
            return run.seconds

        def bare() -> float:
            run = pk.run_process(
                [
                    sys.executable,
                    str(pk.REPO / "benchmarks" / "bare_send.py"),
                    service.base_url,
                    pk.MODEL,
                    str(out),
                    PROMPT,
                ],
                env,
            )
            assert run.returncode == 0, run.stderr
            return run.seconds

        def python_only() -> float:
            return pk.run_process([sys.executable, "-c", "pass"], env).seconds

        times = pk.interleaved(
            {"session-tui send": tui, "bare SDK script": bare, "python -c pass": python_only}, repeats
        )
    finally:
        service.stop()
    med = {k: pk.median(v) for k, v in times.items()}
    return {
        "median": med,
        "min": {k: min(v) for k, v in times.items()},
        "ratio": med["session-tui send"] / med["bare SDK script"],
        "ratio_min": min(times["session-tui send"]) / min(times["bare SDK script"]),
    }


def engine_work(root: Path, repeats: int) -> dict[str, Any]:
    """Engine.send with an instant provider: total, and its parts timed on their own.

    Each turn is the first of a new session (so history never grows) made the way a user makes
    one: Little Orange's spec (four palette colours) and a 1K reference, whose score features
    ``session-tui new`` has cached.
    """
    from instant import instant_engine

    from session_tui.domain.model import Turn
    from session_tui.engine import RefInput
    from session_tui.engine.scores import score_image
    from session_tui.engine.specfiles import load_character
    from session_tui.engine.turns import TurnOps
    from session_tui.media.images import verify_decodes

    image = pk.sample_png(1024, 1024, 2)
    reference = root / "reference.png"
    reference.write_bytes(pk.sample_png(1024, 1024, 1))
    spec = load_character(pk.REPO / "sessions" / "little-orange.toml")
    home = root / "engine-home"
    engine = instant_engine(home, image)
    real_score = TurnOps.__dict__["_score"]  # the staticmethod object itself
    counter = iter(range(10_000))

    def session(prefix: str) -> str:
        name = f"{prefix}{next(counter)}"
        engine.new_session(name, character=spec, refs=[RefInput(reference, "front", "front")])
        return name

    def send(score: bool) -> float:
        name = session("e")
        TurnOps._score = real_score if score else staticmethod(lambda *a, **k: False)  # type: ignore[method-assign]
        try:
            start = time.perf_counter()
            engine.send(name, PROMPT)
            return time.perf_counter() - start
        finally:
            TurnOps._score = real_score  # type: ignore[method-assign]

    def put() -> float:
        blobs = engine.session_dir(session("p")).blobs
        start = time.perf_counter()
        blobs.put(image, "The image", decoded=True)  # as in a turn: the provider decoded it already
        return time.perf_counter() - start

    def append() -> float:
        sd = engine.session_dir(session("j"))
        turn = Turn(index=1, prompt=PROMPT)
        start = time.perf_counter()
        sd.append_turn(turn)
        return time.perf_counter() - start

    preview = verify_decodes(image, small=True)

    def score(from_bytes: bool) -> float:
        sd = engine.session_dir(session("s"))
        ref = sd.blobs.put(image, "The image")
        header = sd.read_header()
        start = time.perf_counter()
        score_image(sd, header, ref, None if from_bytes else preview)
        return time.perf_counter() - start

    def check() -> float:
        start = time.perf_counter()
        verify_decodes(image, "The image", small=True)
        return time.perf_counter() - start

    send(True)  # warm imports and caches
    times = pk.interleaved(
        {
            "send (whole turn)": lambda: send(True),
            "send without scoring": lambda: send(False),
            "blob store put (hash, durable write)": put,
            "one journal append (fsync)": append,
            "scoring, from the small copy the check left": lambda: score(False),
            "scoring from the stored bytes (`session-tui score`)": lambda: score(True),
            "checking the answer (in the provider: one full decode, the small copy)": check,
        },
        repeats,
    )
    return {
        "median": {k: pk.median(v) for k, v in times.items()},
        "min": {k: min(v) for k, v in times.items()},
        "image_bytes": len(image),
    }


def imports(root: Path) -> list[tuple[str, str, float, int]]:
    """(command, heavy packages imported, seconds, peak RSS kB) for the commands that must stay light."""
    from instant import instant_engine

    home = root / "imports-home"
    engine = instant_engine(home, pk.sample_png(1024, 1024, 3))
    engine.new_session("demo")
    engine.send("demo", PROMPT)
    env = pk.bench_env(home)
    rows = []
    for args in (["--version"], ["--help"], ["list"], ["show", "demo"], ["show", "demo", "--json"]):
        probe = pk.run_process([sys.executable, "-c", IMPORT_PROBE, *args], env)
        timed = [pk.run_process([script(), *args], env) for _ in range(5)]
        rows.append(
            (
                " ".join(args),
                probe.stdout.strip() or "(none)",
                pk.median([t.seconds for t in timed]),
                int(pk.median([t.max_rss_kb for t in timed])),
            )
        )
    return rows


def report(quick: bool = False) -> tuple[str, list[pk.Check]]:
    repeats = 5 if quick else 9
    with tempfile.TemporaryDirectory(prefix="st-bench-turn-") as tmp:
        root = Path(tmp)
        os.environ[pk.KEY_ENV] = pk.KEY
        proc = process_ratio(root, repeats)
        work = engine_work(root, repeats * 2)
        light = imports(root)
    lines = [
        "### Turn overhead",
        "",
        (
            f"A first turn, 1K PNG answer ({pk.fmt_mb(pk.sample_png(1024, 1024, 1).__len__())}), local service "
            f"answering at once; medians of {repeats} alternating runs, each a new process."
        ),
        "",
        pk.table(
            ["process", "median", "fastest"],
            [(k, pk.fmt_ms(v), pk.fmt_ms(proc["min"][k])) for k, v in proc["median"].items()],
        ),
        "",
        (
            f"**Ratio send / bare script: {proc['ratio']:.2f}** (fastest runs: {proc['ratio_min']:.2f}); "
            f"target <= 1.3: {pk.verdict(proc['ratio'] <= 1.3)}."
        ),
        "",
        (
            "Engine.send in-process with a provider that returns the precomputed image at once, as a "
            "network provider hands it over: checked (decoded in full) and with the small copy that "
            "check leaves for the score. The session has Little Orange's spec (four palette colours) "
            f"and a 1K reference. Medians of {repeats * 2}; the parts are timed on their own:"
        ),
        "",
        pk.table(
            ["work", "median", "fastest"],
            [(k, pk.fmt_ms(v), pk.fmt_ms(work["min"][k])) for k, v in work["median"].items()],
        ),
        "",
        (
            f"**Engine's own work per turn: {pk.fmt_ms(work['median']['send (whole turn)'])}** "
            f"(fastest {pk.fmt_ms(work['min']['send (whole turn)'])}); target <= 20 ms: "
            f"{pk.verdict(work['median']['send (whole turn)'] <= 0.020)}."
        ),
        "",
        "What the light commands import (heavy packages only) and cost as whole processes:",
        "",
        pk.table(
            ["command", "imports", "median time", "peak RSS"],
            [(f"`{c}`", i, pk.fmt_ms(s), f"{kb / 1000:.0f} MB") for c, i, s, kb in light],
        ),
        "",
    ]
    own = work["median"]["send (whole turn)"]
    checks = [
        pk.Check(
            "whole `send` process / bare SDK script <= 1.3", f"{proc['ratio']:.2f}", proc["ratio"] <= 1.3
        ),
        pk.Check(
            "engine's own work per turn (1K image) <= 20 ms",
            f"{pk.fmt_ms(own)}; {pk.fmt_ms(work['median']['send without scoring'])} without the "
            "local consistency score",
            own <= 0.020,
        ),
        pk.Check(
            "`--version`, `list`, `show` never import Textual",
            "none does" if all("textual" not in i for _, i, _, _ in light) else "one does",
            all("textual" not in i for _, i, _, _ in light),
        ),
    ]
    return "\n".join(lines), checks


if __name__ == "__main__":
    print(report(quick="--quick" in sys.argv)[0])

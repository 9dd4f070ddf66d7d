"""session-tui series: one character, many scenes, each its own turn; re-run to resume."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from session_tui.cli.common import Context, add_json, emit_json
from session_tui.domain.printable import printable
from session_tui.domain.wording import plural
from session_tui.errors import InvalidInput


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "series",
        parents=[common],
        help="render a list of scenes with the same character",
        description="Render every scene in FILE (one per line, or TOML with per-scene "
        "aspect_ratio, image_size, seed) as its own turn, with the session's "
        "references and spec. Scenes already rendered are skipped, so an "
        "interrupted series resumes when run again.",
    )
    p.add_argument("name", metavar="NAME", help="the session")
    p.add_argument(
        "--scenes", required=True, metavar="FILE", help="scenes file (.toml, or text: one per line)"
    )
    p.add_argument("--redo", action="store_true", help="render every scene again, even those already done")
    p.add_argument("--keep-going", action="store_true", help="carry on after a failed scene")
    p.add_argument("--approve", action="store_true", help="approve each new picture as a checkpoint")
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="scenes drawn at once (default 1 for the offline renderer, 4 for network providers); "
        "a 429 is waited out once for all of them",
    )
    p.add_argument(
        "--max-cost", type=float, metavar="USD", help="start no scene that would take this run past USD"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the requests and the cost estimate; send nothing"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--batch",
        action="store_true",
        help="submit the scenes left as one job on the provider's batch engine (Gemini Batch Mode, "
        "half price, up to 24 h) and wait for it; run again to resume waiting for the same job",
    )
    mode.add_argument("--status", action="store_true", help="show the series' batch job without waiting")
    mode.add_argument("--cancel", action="store_true", help="cancel the series' batch job")
    p.add_argument(
        "--poll", type=float, default=30.0, metavar="S", help="seconds between batch status checks (30)"
    )
    add_json(p)
    p.set_defaults(func=cmd_series)


class Progress:
    """A one-line bar on a terminal; one line per step otherwise (logs, pipes)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()

    def show(self, event: Any) -> None:
        n, total, scene = event.position, event.total, event.scene
        what = {"skip": "already done", "start": "drawing", "done": "done", "failed": "failed"}[event.kind]
        finished = n if event.kind != "start" else n - 1
        if not self.live:
            if event.kind != "start":
                extra = f" (turn {event.turn.index})" if event.turn is not None else ""
                extra += f": {event.error}" if event.error else ""
                self.out.write(printable(f"[{n}/{total}] {what}: {scene.title}{extra}") + "\n")
                self.out.flush()
            return
        width = shutil.get_terminal_size((80, 20)).columns
        bar_width = 20
        filled = round(bar_width * finished / total)
        text = (
            f"[{'#' * filled}{'-' * (bar_width - filled)}] {finished}/{total}  "
            f"scene {scene.number} {what}: {scene.title}"
        )
        # The only escapes written are our own: the scene's text is made printable first.
        self.out.write("\r\x1b[K" + printable(text)[: max(10, width - 1)])
        if event.kind == "failed":
            self.out.write("\n")
        self.out.flush()

    def close(self) -> None:
        if self.live:
            self.out.write("\r\x1b[K")
            self.out.flush()


def _doc(name: str, series: str, result: Any) -> dict[str, Any]:
    def scene(s: Any) -> dict[str, Any]:
        return {"scene": s.number, "prompt": s.prompt, "key": s.key, "params": s.params}

    return {
        "session": name,
        "series": series,
        "rendered": [
            {
                **scene(s),
                "turn": t.index,
                "score": t.score.total if t.score is not None else None,
                "cost_usd": t.series.cost_usd if t.series is not None else None,
            }
            for s, t in result.rendered
        ],
        "skipped": [{**scene(s), "turn": index} for s, index in result.skipped],
        "failed": [{**scene(s), "error": e} for s, e in result.failed],
        "over_budget": [scene(s) for s in getattr(result, "over_budget", [])],
        "cost_usd": getattr(result, "cost_usd", None),
    }


def cmd_series(ctx: Context) -> int:
    from session_tui.cli.refs_cmd import advice_for
    from session_tui.engine.series import SeriesStopped, default_jobs, load_scenes, run_series

    a = ctx.args
    path = Path(a.scenes)
    scenes = load_scenes(path)
    engine = ctx.engine
    _, advice = advice_for(ctx, a.name)
    for line in advice:
        print(printable(f"advice: {line}"), file=sys.stderr)
    series = path.stem
    if a.max_cost is not None and not a.max_cost >= 0:
        raise InvalidInput(f"--max-cost must be a number of dollars, 0 or more, not {a.max_cost}.")
    if a.dry_run:
        return _dry_run(ctx, scenes, series)
    if a.batch or a.status or a.cancel:
        from session_tui.cli.series_batch_cmd import cmd_batch

        return cmd_batch(ctx, scenes, series)
    jobs = a.jobs if a.jobs is not None else default_jobs(engine.load(a.name, recent=0).header.kind)
    progress = Progress(sys.stderr)
    try:
        result = run_series(
            engine,
            a.name,
            scenes,
            series=series,
            redo=a.redo,
            keep_going=a.keep_going,
            on_event=progress.show,
            jobs=jobs,
            max_cost_usd=a.max_cost,
        )
    except SeriesStopped as exc:
        progress.close()
        if a.json:  # printed beside the error, as one document (cli/main.py)
            ctx.error_extra["series"] = _doc(a.name, series, exc.result)
        raise
    except KeyboardInterrupt:
        progress.close()
        sys.stderr.write(
            "session-tui: interrupted; the scenes already drawn are kept. Run the same command "
            "again to continue.\n"
        )
        return 130
    progress.close()
    if a.approve:
        for scene, turn in result.rendered:
            engine.approve(
                a.name,
                turn=turn.index,
                label=f"{series}-{scene.number}"
                if not _label_taken(engine, a.name, f"{series}-{scene.number}")
                else "",
            )
    if a.json:
        emit_json(_doc(a.name, series, result))
    else:
        from session_tui.domain.image_prices import format_cost
        from session_tui.engine.outputs import format_score

        for scene, turn in result.rendered:
            line = f"scene {scene.number}: turn {turn.index}  {format_score(turn.score)}  {scene.title}"
            print(printable(line))
        print(
            f"Series {series!r} in {a.name!r}: {len(result.rendered)} drawn, "
            f"{len(result.skipped)} already done"
            + (f", {len(result.failed)} failed (run again to retry them)" if result.failed else "")
            + f"; cost of this run {format_cost(result.cost_usd)}."
        )
        if result.over_budget:
            print(
                f"Stopped before scene {result.over_budget[0].number}: "
                f"{plural(len(result.over_budget), 'scene')} would pass --max-cost ${a.max_cost:.2f}; "
                "raise it and run again to draw them."
            )
    return 4 if result.failed else 0


def _label_taken(engine: Any, name: str, label: str) -> bool:
    return any(cp.label == label for cp in engine.load(name).checkpoints)


def _dry_run(ctx: Context, scenes: list[Any], series: str) -> int:
    """What the series would send and cost, interactive and batch; nothing is sent or written."""
    from session_tui.domain.image_prices import format_cost
    from session_tui.engine.series import plan_series

    a = ctx.args
    plan = plan_series(ctx.engine, a.name, scenes, redo=a.redo)
    interactive, batch = plan.cost(batch=False), plan.cost(batch=True)
    if a.json:
        emit_json(
            {
                "session": a.name,
                "series": series,
                "requests": len(plan.jobs),
                "already_done": len(plan.skipped),
                "provider": plan.provider,
                "model": plan.model,
                "cost_usd": {"interactive": interactive, "batch": batch},
                "scenes": [
                    {"scene": j.scene.number, "prompt_sent": j.prompt_sent, "image_size": j.image_size}
                    for j in plan.jobs
                ],
            }
        )
        return 0
    for j in plan.jobs:
        print(printable(f"scene {j.scene.number} ({j.image_size}): {j.prompt_sent}"))
    print(
        f"{plural(len(plan.jobs), 'request')} to {plan.provider} ({plan.model}), "
        f"{plural(len(plan.skipped), 'scene')} already done; estimated cost {format_cost(interactive)} "
        f"interactive, {format_cost(batch)} with --batch"
        + (" (no batch engine for this kind)" if batch is None and interactive is not None else "")
        + ". Nothing was sent."
    )
    return 0

"""session-tui series --batch / --status / --cancel: a series as one job on the provider's batch engine."""

from __future__ import annotations

import sys
from typing import Any

from session_tui.cli.common import Context, emit_json
from session_tui.domain.wording import plural


def _job_line(job: Any) -> str:
    counts = ""
    if job.requests is not None:
        pending = f", {job.pending} pending" if job.pending is not None else ""
        counts = f" ({plural(job.requests, 'request')}{pending})"
    return f"batch {job.name}: {job.state.lower()}{counts}"


def cmd_batch(ctx: Context, scenes: list[Any], series: str) -> int:
    from session_tui.engine.series_batch import batch_status, cancel_batch, run_batch

    a = ctx.args
    engine = ctx.engine
    if a.status:
        job = batch_status(engine, a.name, series)
        if job is None:
            print(f"Series {series!r} in {a.name!r} has no batch job waiting.", file=sys.stderr)
            return 1
        if a.json:
            emit_json(
                {"batch": job.name, "state": job.state, "requests": job.requests, "pending": job.pending}
            )
        else:
            print(_job_line(job) + ("; run with --batch to store its results" if job.terminal else ""))
        return 0
    if a.cancel:
        outcome = cancel_batch(engine, a.name, series)
        if outcome is None:
            print(f"Series {series!r} in {a.name!r} has no batch job to cancel.", file=sys.stderr)
            return 1
        done = outcome.state in ("CANCELLED", "EXPIRED")
        print(
            f"batch {outcome.batch}: {outcome.state.lower()}; "
            + (
                f"{plural(len(outcome.left), 'scene')} left to draw."
                if done
                else "the cancel was asked for; see --status."
            )
        )
        return 0
    last: list[str] = []

    def on_state(job: Any) -> None:
        line = _job_line(job)
        if not last or last[-1] != line:
            last.append(line)
            print(line, file=sys.stderr, flush=True)

    try:
        outcome = run_batch(
            engine,
            a.name,
            scenes,
            series=series,
            redo=a.redo,
            poll_s=a.poll,
            max_cost_usd=a.max_cost,
            on_state=on_state,
        )
    except KeyboardInterrupt:
        sys.stderr.write(
            "session-tui: stopped waiting; the batch keeps running on the service. Run the same "
            "command again to resume waiting for it (it is not submitted twice), or --cancel it.\n"
        )
        return 130
    doc = {
        "session": a.name,
        "series": series,
        "batch": outcome.batch,
        "state": outcome.state,
        "submitted": outcome.submitted,
        "rendered": [
            {
                "scene": n,
                "turn": t.index,
                "score": t.score.total if t.score is not None else None,
                "cost_usd": t.series.cost_usd if t.series is not None else None,
            }
            for n, t in outcome.rendered
        ],
        "failed": [{"scene": n, "error": e} for n, e in outcome.failed],
        "left": outcome.left,
        "already_done": outcome.skipped,
    }
    if a.json:
        emit_json(doc)
    elif not outcome.batch:
        print(f"Series {series!r} in {a.name!r}: every scene is done already; nothing was submitted.")
    else:
        for n, t in outcome.rendered:
            print(f"scene {n}: turn {t.index}")
        for n, e in outcome.failed:
            print(f"scene {n}: failed: {e}")
        verb = "submitted" if outcome.submitted else "resumed"
        tail = (
            f"; the batch was {outcome.state.lower()}: {plural(len(outcome.left), 'scene')} left to draw, "
            "run again to submit them"
            if outcome.left
            else ""
        )
        print(
            f"Batch {outcome.batch} ({verb}): {len(outcome.rendered)} drawn, {len(outcome.failed)} failed"
            f"{tail}."
        )
    if outcome.left:
        return 4
    return 4 if outcome.failed else 0

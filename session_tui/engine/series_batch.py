"""A series on the provider's batch engine (Gemini Batch Mode): one submission, resumed by name.

Order of writes, so that a kill at any point loses nothing and never submits twice:

1. every scene left is journalled as a pending turn (mark ``mode: batch``);
2. the batch is submitted;
3. the pending records are journalled again with the batch's name in their mark.

A re-run finds turns of the series still pending (read back as ``interrupted``) whose mark names a
batch, and polls that batch instead of submitting. Only a kill between 2 and 3 (one HTTP round
trip) leaves turns without a batch name; those scenes are submitted again by the next run.

When the batch ends its answers become turns like any other (stored, scored, approvable); a
scene's error inside the batch is that turn's failure, with its reason. A cancelled or expired
batch journals its turns as cancelled, so its scenes are left to draw and a re-run submits them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from session_tui.domain.model import Session, Turn, utcnow
from session_tui.domain.records import SeriesMark
from session_tui.domain.scenes import Scene
from session_tui.domain.wording import plural
from session_tui.engine.series import plan_series
from session_tui.errors import InvalidInput, ProviderError, SessionTuiError
from session_tui.providers.gemini import GeminiProvider
from session_tui.providers.gemini_batch import BatchJob, GeminiBatch

if TYPE_CHECKING:
    from session_tui.engine.engine import Engine

POLL_S = 30.0  # a batch takes minutes to hours: asking more often than this buys nothing
OPEN = ("pending", "interrupted")  # a turn's status while its batch has not been read back


@dataclass
class BatchOutcome:
    batch: str = ""
    state: str = ""
    submitted: bool = False  # this run made the submission (False: it resumed or only looked)
    rendered: list[tuple[int, Turn]] = field(default_factory=list)  # scene number, turn
    failed: list[tuple[int, str]] = field(default_factory=list)  # scene number, reason
    left: list[int] = field(default_factory=list)  # scenes left to draw (batch cancelled/expired)
    skipped: int = 0
    waiting: int = 0  # scenes inside a batch that has not finished


def client_for(engine: Engine, name: str) -> GeminiBatch:
    header = engine.session_dir(name).read_header()
    provider = engine.provider(header.provider)
    if not isinstance(provider, GeminiProvider):
        raise InvalidInput(
            f"Provider {provider.name!r} (kind {provider.kind}) has no batch engine session-tui can use; "
            "--batch needs a kind gemini profile. Run the series without --batch."
        )
    return GeminiBatch(provider)


def open_batch(session: Session, series: str) -> tuple[str, list[Turn]] | None:
    """The series' batch that has not been read back yet, and its turns."""
    by_batch: dict[str, list[Turn]] = {}
    for turn in session.turns:
        mark = turn.series
        if turn.status in OPEN and mark is not None and mark.name == series and isinstance(mark.batch, str):
            by_batch.setdefault(mark.batch, []).append(turn)
    if not by_batch:
        return None
    name = max(by_batch, key=lambda b: min(t.index for t in by_batch[b]))  # the newest
    return name, by_batch[name]


def run_batch(
    engine: Engine,
    name: str,
    scenes: list[Scene],
    *,
    series: str,
    redo: bool = False,
    poll_s: float = POLL_S,
    wait: bool = True,
    max_cost_usd: float | None = None,
    on_state: Callable[[BatchJob], None] | None = None,
    client: GeminiBatch | None = None,
) -> BatchOutcome:
    """Submit the scenes left as one batch (or resume the one already submitted), then wait for it
    and store its answers. ``wait`` False returns after submitting. KeyboardInterrupt while waiting
    leaves the batch running; the same call later resumes it."""
    client = client or client_for(engine, name)
    outcome = BatchOutcome()
    found = open_batch(engine.load(name), series)
    if found is not None:
        outcome.batch, turns = found
    else:
        turns = _submit(engine, name, scenes, series, redo, max_cost_usd, client, outcome)
        if not turns:
            return outcome
    job = client.get(outcome.batch)
    while wait and not job.terminal:
        if on_state is not None:
            on_state(job)
        time.sleep(poll_s)  # Ctrl-C here stops waiting; the batch keeps running
        job = client.get(outcome.batch)
    if on_state is not None:
        on_state(job)
    outcome.state = job.state
    if job.terminal:
        store_results(engine, name, job, turns, outcome)
    else:
        outcome.waiting = len(turns)
    return outcome


def _submit(
    engine: Engine,
    name: str,
    scenes: list[Scene],
    series: str,
    redo: bool,
    max_cost_usd: float | None,
    client: GeminiBatch,
    outcome: BatchOutcome,
) -> list[Turn]:
    plan = plan_series(engine, name, scenes, redo=redo, batch=True)
    outcome.skipped = len(plan.skipped)
    if not plan.jobs:
        return []
    cost = plan.cost(batch=True)
    if max_cost_usd is not None:
        if cost is None:
            raise InvalidInput(f"The batch price of {plan.model!r} is unknown, so --max-cost cannot be kept.")
        if cost > max_cost_usd + 1e-9:
            raise InvalidInput(
                f"The batch of {plural(len(plan.jobs), 'scene')} would cost about ${cost:.2f}, "
                f"over --max-cost ${max_cost_usd:.2f}; nothing was submitted."
            )
    token = uuid.uuid4().hex[:12]
    sd = engine.session_dir(name)
    begun: list[tuple[Turn, Any]] = []
    for job in plan.jobs:
        mark = {
            "name": series,
            "key": job.scene.key,
            "scene": job.scene.number,
            "mode": "batch",
            "cost_usd": job.cost_usd,
            "batch": None,
            "token": token,
        }
        _sd, _header, _provider, turn, request = engine._begin(  # the engine's own step
            name,
            job.scene.prompt,
            prompt_sent=job.prompt_sent,
            cancel=None,
            series=mark,
            param_changes=dict(job.scene.params),
        )
        begun.append((turn, request))
    try:
        submitted = client.submit(
            f"session-tui-{series}-{token}", [(str(t.series.key if t.series else ""), r) for t, r in begun]
        )
    except (SessionTuiError, KeyboardInterrupt) as exc:
        for turn, _ in begun:
            engine._finish(sd, turn, time.monotonic(), failure=exc)
        raise
    outcome.batch, outcome.submitted = submitted.name, True
    with sd.lock():
        for turn, _ in begun:
            named = (turn.series or SeriesMark()).model_copy()
            named.batch = submitted.name
            turn.series = named
            sd.append_turn(turn)
    return [t for t, _ in begun]


def store_results(engine: Engine, name: str, job: BatchJob, turns: list[Turn], outcome: BatchOutcome) -> None:
    """Journal how each of the batch's turns ended."""
    sd = engine.session_dir(name)
    header = sd.read_header()
    items = {item.key: item for item in job.items}
    for turn in sorted(turns, key=lambda t: (t.series.scene if t.series else None) or 0):
        mark = turn.series or SeriesMark()
        scene = int(mark.scene or 0)
        started = time.monotonic() - max(0.0, (utcnow() - turn.started_at).total_seconds())
        if job.state in ("CANCELLED", "EXPIRED"):
            turn.status, turn.finished_at = "cancelled", utcnow()
            turn.error = f"the batch {job.name} was {job.state.lower()} before this scene was drawn"
            with sd.lock():
                sd.append_turn(turn)
            outcome.left.append(scene)
            continue
        item = items.get(str(mark.key))
        if item is not None and item.result is not None:
            try:
                outcome.rendered.append((scene, engine._complete(sd, header, turn, item.result, started)))
            except ProviderError as exc:
                outcome.failed.append((scene, exc.message))
            continue
        reason = (
            item.error
            if item is not None and item.error
            else job.error or "the batch returned no answer for this scene"
        )
        failure = ProviderError(f"In batch {job.name}: {reason.rstrip('.')}.")
        engine._finish(sd, turn, started, failure=failure)
        outcome.failed.append((scene, failure.message))


def batch_status(
    engine: Engine, name: str, series: str, client: GeminiBatch | None = None
) -> BatchJob | None:
    """The state of the series' open batch, without waiting or storing; None if there is none."""
    found = open_batch(engine.load(name), series)
    if found is None:
        return None
    return (client or client_for(engine, name)).get(found[0])


def cancel_batch(
    engine: Engine, name: str, series: str, client: GeminiBatch | None = None
) -> BatchOutcome | None:
    """Ask the service to cancel the series' open batch; if it says it is cancelled, journal that."""
    found = open_batch(engine.load(name), series)
    if found is None:
        return None
    client = client or client_for(engine, name)
    client.cancel(found[0])
    job = client.get(found[0])
    outcome = BatchOutcome(batch=found[0], state=job.state)
    if job.terminal:
        store_results(engine, name, job, found[1], outcome)
    return outcome


__all__ = ["BatchOutcome", "batch_status", "cancel_batch", "open_batch", "run_batch"]

"""Up to N scenes of a series at once, inside the service's rate limits and the user's budget.

Each scene is still its own turn, journalled as pending before its request (``TurnOps._begin``
holds the session lock for that write only), so the requests overlap while the journal stays
whole. Scenes are started in file order; each turn carries its scene number, so they list in
scene order whatever order they finish in. One :class:`RateLimiter` is shared by every job, so
a 429 is waited out once for all of them.

Ctrl-C (or the caller's ``cancel``) stops new scenes and cancels those in flight; their turns are
journalled as cancelled and a re-run draws them again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from session_tui.domain.model import Turn
from session_tui.domain.scenes import Scene
from session_tui.errors import Cancelled, SessionTuiError
from session_tui.providers.ratelimit import RateLimiter

if TYPE_CHECKING:
    from session_tui.engine.engine import Engine


@dataclass(frozen=True)
class Job:
    """One scene to draw: where it is among all scenes, what to send and what it will cost."""

    scene: Scene
    position: int  # 1-based among all scenes of the file
    prompt_sent: str
    cost_usd: float | None  # None: the price is unknown
    image_size: str = "1K"  # as it will be sent (the session's, unless the scene sets one)


@dataclass
class JobsOutcome:
    rendered: list[tuple[Scene, Turn]] = field(default_factory=list)
    failed: list[tuple[Scene, SessionTuiError]] = field(default_factory=list)
    over_budget: Scene | None = None  # the first scene not started because it would pass the budget
    interrupted: bool = False


@dataclass
class _Shared:
    """What the workers share; every field is read and written under ``lock``."""

    jobs: Iterator[Job]
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)  # take no new scene
    committed_usd: float = 0.0  # the known cost of the scenes started and not failed
    outcome: JobsOutcome = field(default_factory=JobsOutcome)


def run_jobs(
    engine: Engine,
    name: str,
    jobs: list[Job],
    *,
    series: str,
    workers: int,
    keep_going: bool,
    max_cost_usd: float | None,
    on_start: Callable[[Job], None],
    on_end: Callable[[Job, Turn | None, SessionTuiError | None], None],
    cancel: threading.Event,
    limiter: RateLimiter,
) -> JobsOutcome:
    """Draw ``jobs`` with up to ``workers`` at once. With one worker everything runs in the calling
    thread (a KeyboardInterrupt arrives where it always did); with more, the calling thread only
    waits, and turns Ctrl-C into stop-and-cancel before re-raising it."""
    shared = _Shared(iter(jobs))
    events = threading.Lock()  # the callbacks print; one at a time

    def take() -> Job | None:
        with shared.lock:
            if shared.stop.is_set() or cancel.is_set():
                return None
            job = next(shared.jobs, None)
            if job is None:
                return None
            if max_cost_usd is not None and job.cost_usd is not None:
                if shared.committed_usd + job.cost_usd > max_cost_usd + 1e-9:
                    shared.outcome.over_budget = job.scene
                    shared.stop.set()
                    return None
                shared.committed_usd += job.cost_usd
            return job

    def draw(job: Job) -> None:
        with events:
            on_start(job)
        mark = {
            "name": series,
            "key": job.scene.key,
            "scene": job.scene.number,
            "mode": "interactive",
            "cost_usd": job.cost_usd,
        }
        try:
            turn = engine.send(
                name,
                job.scene.prompt,
                prompt_sent=job.prompt_sent,
                series=mark,
                cancel=cancel,
                limiter=limiter,
                **job.scene.params,
            )
        except SessionTuiError as exc:
            with shared.lock:
                shared.outcome.failed.append((job.scene, exc))
                if job.cost_usd is not None:
                    shared.committed_usd -= job.cost_usd  # a failed picture is not billed
                if isinstance(exc, Cancelled):
                    shared.outcome.interrupted = True
                if not keep_going or isinstance(exc, Cancelled):
                    shared.stop.set()
            with events:
                on_end(job, None, exc)
            return
        with shared.lock:
            shared.outcome.rendered.append((job.scene, turn))
        with events:
            on_end(job, turn, None)

    def worker() -> None:
        while (job := take()) is not None:
            draw(job)

    if workers <= 1:
        worker()
    else:
        threads = [
            threading.Thread(target=worker, name=f"session-tui-scene-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.1)
        except KeyboardInterrupt:
            shared.stop.set()
            cancel.set()  # the wires see it within 50 ms and cut their connections
            for t in threads:
                t.join()
            shared.outcome.interrupted = True
            raise
    shared.outcome.rendered.sort(key=lambda st: st[0].number)
    shared.outcome.failed.sort(key=lambda se: se[0].number)
    return shared.outcome

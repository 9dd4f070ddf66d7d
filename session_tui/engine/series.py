"""A series: the same character, with the same references and spec, in many scenes.

Each scene becomes its own turn, drawn fresh (not as an edit of the previous picture) and marked
with a scene key (``domain/scenes.py``). Run the same series again and the scenes that already
have a successful turn are skipped, so an interrupted series resumes where it stopped.

Several scenes at once: ``engine/series_jobs.py``; the provider's batch engine:
``engine/series_batch.py``. Each scene's mark records its mode and estimated cost
(``domain/image_prices.py``), so ``show --json`` has the cost of every turn and of the series.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from session_tui.domain.image_prices import image_cost
from session_tui.domain.model import Turn
from session_tui.domain.records import SeriesMark
from session_tui.domain.scenes import MAX_SCENES, Scene, done_keys, scenes_from_lines, scenes_from_toml
from session_tui.domain.wording import plural
from session_tui.engine.series_jobs import Job, run_jobs
from session_tui.errors import InvalidInput, SessionTuiError
from session_tui.media.userfiles import read_user_file
from session_tui.providers.ratelimit import LimiterStats, RateLimiter

if TYPE_CHECKING:
    from session_tui.engine.engine import Engine

__all__ = [
    "Plan",
    "Scene",
    "SeriesResult",
    "SeriesStopped",
    "default_jobs",
    "done_keys",
    "load_scenes",
    "plan_series",
    "run_series",
]


NETWORK_JOBS = 4  # the default --jobs for a network provider: what a paid tier's image quota takes


def default_jobs(kind: str) -> int:
    """1 for the offline renderer (it draws on this machine's cores), NETWORK_JOBS otherwise."""
    return 1 if kind == "offline" else NETWORK_JOBS


def load_scenes(path: Path) -> list[Scene]:
    """Read a scenes file: TOML when it ends in .toml, one scene per line otherwise."""
    raw = read_user_file(path, "Scenes file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"Scenes file {str(path)!r} is not UTF-8 text.") from None
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
            scenes = scenes_from_toml(data, str(path))
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"Scenes file {str(path)!r} is not valid TOML: {exc}.") from None
        except RecursionError:  # x = [[[[… thousands deep
            raise InvalidInput(
                f"Scenes file {str(path)!r} is nested too deeply to be a scenes file."
            ) from None
    else:
        scenes = scenes_from_lines(text)
    if not scenes:
        raise InvalidInput(f"Scenes file {str(path)!r} has no scenes; write one scene per line.")
    if len(scenes) > MAX_SCENES:
        raise InvalidInput(f"Scenes file {str(path)!r} has {len(scenes)} scenes; the limit is {MAX_SCENES}.")
    return scenes


EventKind = Literal["skip", "start", "done", "failed"]


@dataclass(frozen=True)
class Event:
    kind: EventKind
    scene: Scene
    position: int  # 1-based among all scenes
    total: int
    turn: Turn | None = None
    error: str | None = None


@dataclass
class SeriesResult:
    rendered: list[tuple[Scene, Turn]] = field(default_factory=list)
    skipped: list[tuple[Scene, int]] = field(default_factory=list)  # scene, turn index that has it
    failed: list[tuple[Scene, str]] = field(default_factory=list)
    over_budget: list[Scene] = field(default_factory=list)  # not started: they would pass --max-cost
    stats: LimiterStats | None = None

    @property
    def cost_usd(self) -> float | None:
        """What the pictures drawn in this run cost; None if any price is unknown."""
        return sum_costs(t.series for _, t in self.rendered)


def sum_costs(marks: Iterable[SeriesMark | None]) -> float | None:
    total = 0.0
    for mark in marks:
        cost = mark.cost_usd if mark is not None else None
        if not isinstance(cost, (int, float)) or isinstance(cost, bool):
            return None
        total += cost
    return round(total, 6)


@dataclass(frozen=True)
class Plan:
    """What a series would do: the scenes left to draw, what each sends and costs."""

    jobs: list[Job]
    skipped: list[tuple[Scene, int]]
    total: int
    provider: str
    kind: str
    model: str
    references: int = 0

    def cost(self, *, batch: bool) -> float | None:
        """The estimate for every scene left, interactive or batch; None if a price is unknown."""
        total = 0.0
        for job in self.jobs:
            cost = image_cost(self.kind, self.model, job.image_size, batch=batch, references=self.references)
            if cost is None:
                return None
            total += cost
        return round(total, 6)


def plan_series(
    engine: Engine, name: str, scenes: list[Scene], *, redo: bool = False, batch: bool = False
) -> Plan:
    """Check every scene and work out what is left, without sending or writing anything."""
    from session_tui.domain.prompting import assemble

    session = engine.load(name)
    header = session.header
    provider = engine.provider(header.provider)
    engine.check_ready(provider)  # no key: refused before the first scene writes a turn
    for scene in scenes:  # refuse a scene the provider cannot draw before drawing any
        try:
            engine.check_params(provider, header.params.merged(**scene.params))
        except InvalidInput as exc:
            raise InvalidInput(f"Scene {scene.number} ({scene.title!r}): {exc.message}") from None
    done = {} if redo else done_keys(session)
    roles = [r.role for r in header.references]
    jobs: list[Job] = []
    skipped: list[tuple[Scene, int]] = []
    for position, scene in enumerate(scenes, 1):
        if scene.key in done:
            skipped.append((scene, done[scene.key]))
            continue
        # A scene is a fresh picture, never an edit of the one before: assemble it as a first turn.
        sent = (
            assemble(header.character, scene.prompt, first_turn=True, has_references=bool(roles), roles=roles)
            if header.assemble_prompt
            else scene.prompt
        )
        size = header.params.merged(**scene.params).image_size
        cost = image_cost(provider.kind, provider.model, size, batch=batch, references=len(roles))
        jobs.append(Job(scene, position, sent, cost, size))
    return Plan(jobs, skipped, len(scenes), provider.name, provider.kind, provider.model, len(roles))


def run_series(
    engine: Engine,
    name: str,
    scenes: list[Scene],
    *,
    series: str,
    redo: bool = False,
    keep_going: bool = False,
    on_event: Callable[[Event], None] | None = None,
    cancel: threading.Event | None = None,
    jobs: int = 1,
    max_cost_usd: float | None = None,
) -> SeriesResult:
    """Render every scene not yet done, up to ``jobs`` at once. Everything is checked before the
    first turn is sent.

    A failed scene stops the series (its turn is kept, failed; scenes in flight finish) unless
    ``keep_going``; a rerun then starts from it. With ``max_cost_usd`` no scene is started that
    would take the run's cost past it. ``engine`` is the :class:`~session_tui.engine.Engine`.
    """
    if jobs < 1:
        raise InvalidInput(f"--jobs must be at least 1, not {jobs}.")
    emit = on_event or (lambda _e: None)
    plan = plan_series(engine, name, scenes, redo=redo)
    if max_cost_usd is not None and any(j.cost_usd is None for j in plan.jobs):
        raise InvalidInput(
            f"The price of {plan.model!r} ({plan.kind}) is unknown, so --max-cost cannot be kept; "
            "run without it, or use a model session-tui knows the price of."
        )
    result = SeriesResult(skipped=list(plan.skipped))
    for scene, _ in plan.skipped:
        emit(Event("skip", scene, scene.number, plan.total))
    limiter = RateLimiter(jobs)

    def on_end(job: Job, turn: Turn | None, error: SessionTuiError | None) -> None:
        kind: EventKind = "done" if turn is not None else "failed"
        emit(
            Event(
                kind, job.scene, job.position, plan.total, turn=turn, error=error.message if error else None
            )
        )

    outcome = run_jobs(
        engine,
        name,
        plan.jobs,
        series=series,
        workers=jobs,
        keep_going=keep_going,
        max_cost_usd=max_cost_usd,
        on_start=lambda job: emit(Event("start", job.scene, job.position, plan.total)),
        on_end=on_end,
        cancel=cancel or threading.Event(),
        limiter=limiter,
    )
    result.rendered = outcome.rendered
    result.failed = [(scene, exc.message) for scene, exc in outcome.failed]
    result.stats = limiter.stats
    if outcome.over_budget is not None:
        result.over_budget = [j.scene for j in plan.jobs if j.scene.number >= outcome.over_budget.number]
    if outcome.interrupted:
        raise KeyboardInterrupt  # the scenes in flight were cancelled and journalled
    if outcome.failed and not keep_going:
        scene, exc = outcome.failed[0]
        raise SeriesStopped(scene, exc, result)
    return result


class SeriesStopped(SessionTuiError):
    """A scene failed and the series stopped there; the scenes before it are kept."""

    def __init__(self, scene: Scene, cause: SessionTuiError, result: SeriesResult) -> None:
        done = len(result.rendered) + len(result.skipped)
        super().__init__(
            f"Scene {scene.number} ({scene.title!r}) failed: {cause.message.rstrip('.')}. "
            f"{plural(done, 'scene')} done; run the same command again to continue from scene "
            f"{scene.number}."
        )
        self.exit_code = cause.exit_code
        self.result = result

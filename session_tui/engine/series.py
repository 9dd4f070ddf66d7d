"""A series: the same character, with the same references and spec, in many scenes.

Each scene becomes its own turn, drawn fresh (not as an edit of the previous picture) and marked
with a scene key (``domain/scenes.py``). Run the same series again and the scenes that already
have a successful turn are skipped, so an interrupted series resumes where it stopped.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from session_tui.domain.model import Turn
from session_tui.domain.scenes import MAX_SCENES, Scene, done_keys, scenes_from_lines, scenes_from_toml
from session_tui.errors import InvalidInput, SessionTuiError
from session_tui.media.userfiles import read_user_file

if TYPE_CHECKING:
    from session_tui.engine.engine import Engine

__all__ = ["Scene", "SeriesResult", "SeriesStopped", "done_keys", "load_scenes", "run_series"]


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
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"Scenes file {str(path)!r} is not valid TOML: {exc}.") from None
        scenes = scenes_from_toml(data, str(path))
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
) -> SeriesResult:
    """Render every scene not yet done. Everything is checked before the first turn is sent.

    A failed scene stops the series (its turn is kept, failed) unless ``keep_going``; a rerun then
    starts from it. ``engine`` is the :class:`~session_tui.engine.Engine`.
    """
    from session_tui.domain.prompting import assemble

    emit = on_event or (lambda _e: None)
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
    result = SeriesResult()
    roles = [r.role for r in header.references]
    for position, scene in enumerate(scenes, 1):
        if scene.key in done:
            result.skipped.append((scene, done[scene.key]))
            emit(Event("skip", scene, position, len(scenes)))
            continue
        emit(Event("start", scene, position, len(scenes)))
        # A scene is a fresh picture, never an edit of the one before: assemble it as a first turn.
        sent = (
            assemble(header.character, scene.prompt, first_turn=True, has_references=bool(roles), roles=roles)
            if header.assemble_prompt
            else scene.prompt
        )
        mark = {"name": series, "key": scene.key, "scene": scene.number}
        try:
            turn = engine.send(
                name, scene.prompt, prompt_sent=sent, series=mark, cancel=cancel, **scene.params
            )
        except SessionTuiError as exc:
            result.failed.append((scene, exc.message))
            emit(Event("failed", scene, position, len(scenes), error=exc.message))
            if not keep_going:
                raise SeriesStopped(scene, exc, result) from None
            continue
        result.rendered.append((scene, turn))
        emit(Event("done", scene, position, len(scenes), turn=turn))
    return result


class SeriesStopped(SessionTuiError):
    """A scene failed and the series stopped there; the scenes before it are kept."""

    def __init__(self, scene: Scene, cause: SessionTuiError, result: SeriesResult) -> None:
        done = len(result.rendered) + len(result.skipped)
        super().__init__(
            f"Scene {scene.number} ({scene.title!r}) failed: {cause.message.rstrip('.')}. "
            f"{done} scene(s) are done; run the same command again to continue from scene "
            f"{scene.number}."
        )
        self.exit_code = cause.exit_code
        self.result = result

"""A series: the same character, with the same references and spec, in many scenes.

Each scene becomes its own turn, drawn fresh (not as an edit of the previous picture) and marked
with a scene key. Run the same series again and the scenes that already have a successful turn
are skipped, so an interrupted series resumes where it stopped.

Scene files are either plain text, one scene per line (blank lines and ``#`` comments ignored),
or TOML::

    [defaults]            # optional, for every scene
    aspect_ratio = "4:3"

    [[scenes]]
    id = "beach"          # optional: a stable key, so editing the prompt does not redo the scene
    prompt = "on the beach at sunset"
    seed = 7
"""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from session_tui.errors import InvalidInput, SessionTuiError
from session_tui.model import GenerationParams, Session, Turn, make
from session_tui.userfiles import read_user_file

SCENE_KEYS = ("id", "prompt", "aspect_ratio", "image_size", "seed")
PARAM_KEYS = ("aspect_ratio", "image_size", "seed")
MAX_SCENES = 500


@dataclass(frozen=True)
class Scene:
    number: int  # 1-based, in file order
    prompt: str
    params: dict[str, Any]  # only what the scene sets; the session's params fill the rest
    key: str  # what marks the scene done on a turn

    @property
    def title(self) -> str:
        return self.prompt if len(self.prompt) <= 50 else self.prompt[:49] + "…"


def scene_key(prompt: str, params: dict[str, Any], scene_id: str | None = None) -> str:
    """``id:NAME`` when the file names the scene, else a hash of its prompt and parameters."""
    if scene_id:
        return f"id:{scene_id}"
    blob = json.dumps([prompt.strip(), {k: params[k] for k in sorted(params)}], ensure_ascii=False)
    return "h:" + hashlib.sha256(blob.encode()).hexdigest()[:16]


def _unknown(key: str, known: tuple[str, ...], where: str) -> InvalidInput:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return InvalidInput(f"{where}: unknown key {key!r}{hint}; use {', '.join(known)}.")


def _params(raw: dict[str, Any], where: str) -> dict[str, Any]:
    params = {k: raw[k] for k in PARAM_KEYS if k in raw}
    try:
        make(GenerationParams, params)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None
    return params


def _from_toml(data: dict[str, Any], path: str) -> list[Scene]:
    for key in data:
        if key not in ("defaults", "scenes", "scene"):
            raise _unknown(key, ("defaults", "scenes"), f"Scenes file {path!r}")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InvalidInput(f"Scenes file {path!r}: [defaults] must be a table.")
    for key in defaults:
        if key not in PARAM_KEYS:
            raise _unknown(key, PARAM_KEYS, f"Scenes file {path!r} [defaults]")
    base = _params(defaults, f"Scenes file {path!r} [defaults]")
    items = data.get("scenes", data.get("scene", []))
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput(f"Scenes file {path!r}: write each scene as a [[scenes]] table with a prompt.")
    scenes: list[tuple[str, dict[str, Any], str | None]] = []
    ids: set[str] = set()
    for n, item in enumerate(items, 1):
        where = f"Scenes file {path!r}, scene {n}"
        for key in item:
            if key not in SCENE_KEYS:
                raise _unknown(key, SCENE_KEYS, where)
        prompt = item.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvalidInput(f'{where} has no prompt; add prompt = "...".')
        scene_id = item.get("id")
        if scene_id is not None:
            if not isinstance(scene_id, str) or not scene_id.strip():
                raise InvalidInput(f"{where}: id must be non-empty text.")
            if scene_id in ids:
                raise InvalidInput(f"{where}: id {scene_id!r} is used twice; each scene needs its own.")
            ids.add(scene_id)
        scenes.append((prompt.strip(), {**base, **_params(item, where)}, scene_id))
    return _numbered(scenes)


def _from_lines(text: str) -> list[Scene]:
    lines = [line.strip() for line in text.splitlines()]
    return _numbered([(line, {}, None) for line in lines if line and not line.startswith("#")])


def _numbered(items: list[tuple[str, dict[str, Any], str | None]]) -> list[Scene]:
    scenes: list[Scene] = []
    seen: dict[str, int] = {}
    for n, (prompt, params, scene_id) in enumerate(items, 1):
        key = scene_key(prompt, params, scene_id)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:  # the same scene twice is asked for twice
            key = f"{key}#{seen[key]}"
        scenes.append(Scene(n, prompt, params, key))
    return scenes


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
        scenes = _from_toml(data, str(path))
    else:
        scenes = _from_lines(text)
    if not scenes:
        raise InvalidInput(f"Scenes file {str(path)!r} has no scenes; write one scene per line.")
    if len(scenes) > MAX_SCENES:
        raise InvalidInput(f"Scenes file {str(path)!r} has {len(scenes)} scenes; the limit is {MAX_SCENES}.")
    return scenes


def done_keys(session: Session) -> dict[str, int]:
    """Scene key -> the turn that rendered it, for every successful series turn."""
    out: dict[str, int] = {}
    for turn in session.turns:
        mark = turn.series or {}
        if turn.status == "ok" and turn.images and isinstance(mark.get("key"), str):
            out.setdefault(mark["key"], turn.index)
    return out


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
    engine: Any,
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
    from session_tui.prompting import assemble

    emit = on_event or (lambda _e: None)
    session = engine.load(name)
    header = session.header
    provider = engine.provider(header.provider)
    for scene in scenes:  # refuse a scene the provider cannot draw before drawing any
        try:
            engine._check_params(provider, header.params.merged(**scene.params))
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

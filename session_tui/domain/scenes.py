"""Scenes of a series: parsing a scenes file's text and the key that marks a scene done.

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
from dataclasses import dataclass
from typing import Any

from session_tui.domain.model import GenerationParams, Session, make
from session_tui.errors import InvalidInput

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


def scenes_from_toml(data: dict[str, Any], path: str) -> list[Scene]:
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


def scenes_from_lines(text: str) -> list[Scene]:
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


def done_keys(session: Session) -> dict[str, int]:
    """Scene key -> the turn that rendered it, for every successful series turn."""
    out: dict[str, int] = {}
    for turn in session.turns:
        key = turn.series.key if turn.series is not None else None
        if turn.status == "ok" and turn.images and isinstance(key, str):
            out.setdefault(key, turn.index)
    return out

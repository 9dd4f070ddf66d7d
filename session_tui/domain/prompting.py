"""Prompt assembly: the character spec and its keep rules around what the user typed.

It follows what works without a seed. A fresh picture (the first turn, or a series scene) gets the
whole description, the references named by role, then "keep X, Y, Z exactly; change only the
background and pose" and the scene. A later turn edits the previous picture: "keep X, Y, Z
exactly; change only this: ...". The wording follows the spec's language (English or Chinese), so
a spec written in Chinese is not wrapped in English sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from session_tui.domain.model import CharacterSpec


@dataclass(frozen=True)
class Phrases:
    """The fixed wording of one language."""

    labels: tuple[
        str, str, str, str, str, str, str, str
    ]  # character style hair eyes face outfit accessories palette
    roles: tuple[tuple[str, str], ...]
    refs: str  # {roles}
    refs_plain: str
    keep: str  # {items}
    keep_scene: str  # {items}
    keep_default: str
    scene: str  # {typed}
    edit: str  # {who}
    who: str  # {name}
    who_plain: str
    change_only: str  # {items} {typed}
    change_plain: str  # {typed}: when every keep rule is left out
    rest: str
    sep: str  # between keep items
    comma: str  # between accessories and roles
    colon: str
    space: str  # between sentences
    stop: str  # sentence end


EN = Phrases(
    labels=("Character", "Style", "Hair", "Eyes", "Face", "Outfit", "Accessories", "Colour palette"),
    roles=(
        ("front", "front view"),
        ("side", "side view"),
        ("back", "back view"),
        ("face", "face close-up"),
        ("outfit", "outfit"),
        ("style", "art style to follow"),
        ("promoted", "approved earlier picture"),
        ("other", "other reference"),
    ),
    refs="Draw the same character as in the reference images ({roles}).",
    refs_plain="Draw the same character as in the reference images.",
    keep="Keep exactly: {items}.",
    keep_scene="Keep exactly: {items}; change only the background and pose.",
    keep_default="the character's face, hair, eyes and outfit",
    scene="Scene: {typed}",
    edit="Edit the previous image of {who}.",
    who="the character {name}",
    who_plain="the character",
    change_only="Keep exactly: {items}; change only this: {typed}",
    change_plain="Change only this: {typed}",
    rest="Everything else stays as in the previous image.",
    sep="; ",
    comma=", ",
    colon=": ",
    space=" ",
    stop=".",
)

ZH = Phrases(
    labels=("角色", "画风", "发型", "眼睛", "脸", "服装", "配饰", "配色"),
    roles=(
        ("front", "正面"),
        ("side", "侧面"),
        ("back", "背面"),
        ("face", "脸部特写"),
        ("outfit", "服装"),
        ("style", "要遵循的画风"),
        ("promoted", "已认可的图"),
        ("other", "其他参考"),
    ),
    refs="画出与参考图中完全相同的角色（{roles}）。",
    refs_plain="画出与参考图中完全相同的角色。",
    keep="严格保持不变：{items}。",
    keep_scene="严格保持不变：{items}；只改变背景和姿势。",
    keep_default="角色的脸、发型、眼睛和服装",
    scene="场景：{typed}",
    edit="编辑上一张{who}的图片。",
    who="角色{name}",
    who_plain="角色",
    change_only="严格保持不变：{items}；只改变：{typed}",
    change_plain="只改变：{typed}",
    rest="其他一切保持与上一张图相同。",
    sep="；",
    comma="、",
    colon="：",
    space="",
    stop="。",
)


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"


def phrases_for(spec: CharacterSpec) -> Phrases:
    """Chinese wording when the spec is written mostly in CJK characters, English otherwise."""
    text = " ".join(
        [
            spec.name,
            spec.style,
            spec.hair,
            spec.eyes,
            spec.face,
            spec.outfit,
            spec.notes,
            *spec.accessories,
            *spec.keep,
        ]
    )
    cjk = sum(1 for ch in text if _is_cjk(ch))
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    # A CJK character carries about as much as a short word, so weigh it against ~3 Latin letters.
    return ZH if cjk * 3 > latin else EN


def describe(spec: CharacterSpec, words: Phrases = EN) -> str:
    """The spec as compact labelled sentences, in the chosen language."""
    stop, colon = words.stop, words.colon
    parts = []
    values = (spec.name, spec.style, spec.hair, spec.eyes, spec.face, spec.outfit)
    for label, value in zip(words.labels[:6], values, strict=True):
        if value.strip():
            parts.append(f"{label}{colon}{value.strip().rstrip('.。')}{stop}")
    accessories = [a.strip() for a in spec.accessories if a.strip()]
    if accessories:
        parts.append(f"{words.labels[6]}{colon}{words.comma.join(accessories)}{stop}")
    if spec.palette:
        parts.append(f"{words.labels[7]}{colon}{' '.join(spec.palette)}{stop}")
    if spec.notes.strip():
        parts.append(spec.notes.strip())
    return words.space.join(parts)


def keep_items(spec: CharacterSpec) -> list[str]:
    """What must not change: the spec's keep rules, else its hair, eyes, face, outfit and accessories."""
    rules = [k.strip() for k in spec.keep if k.strip()]
    if rules:
        return rules
    derived = [v.strip() for v in (spec.hair, spec.eyes, spec.face, spec.outfit) if v.strip()]
    return derived + [a.strip() for a in spec.accessories if a.strip()]


# Words that say nothing about what a rule protects, and colour words: a colour is what a change
# sets ("make the hoodie blue"), so only the thing it is set on ("hoodie") ties a change to a rule.
_PLAIN_WORDS = frozenset(
    [
        "same",
        "the",
        "and",
        "for",
        "with",
        "her",
        "his",
        "its",
        "their",
        "keep",
        "kept",
        "exactly",
        "make",
        "made",
        "change",
        "changed",
        "turn",
        "into",
        "more",
        "less",
        "very",
        "this",
        "that",
        "always",
        "never",
        "all",
        "colour",
        "color",
        "style",
        "look",
    ]
)
_COLOUR_WORDS = frozenset(
    [
        "orange",
        "blue",
        "navy",
        "red",
        "yellow",
        "gold",
        "green",
        "purple",
        "pink",
        "white",
        "black",
        "brown",
        "grey",
        "gray",
        "silver",
        "teal",
        "cyan",
        "beige",
        "cream",
        "light",
        "dark",
        "bright",
        "brighter",
        "darker",
        "lighter",
        "pale",
    ]
)
_CJK_PLAIN = frozenset(["相同", "同样", "一样", "保持", "不变", "颜色", "换成", "改成", "变成"])


def _topics(text: str) -> set[str]:
    """The words of ``text`` that name a thing: Latin words (singular), CJK character pairs."""
    found: set[str] = set()
    for run in re.findall(r"[^\W\d_]+", text.lower()):
        if any(_is_cjk(ch) for ch in run):
            found.update(run[i : i + 2] for i in range(len(run) - 1) if run[i : i + 2] not in _CJK_PLAIN)
        elif len(run) > 2 and run not in _PLAIN_WORDS and run not in _COLOUR_WORDS:
            found.add(run[:-1] if len(run) > 3 and run.endswith("s") else run)
    return found


def touched_rules(spec: CharacterSpec, typed: str) -> list[str]:
    """The keep items that the typed change is about ("make the hoodie blue" touches "same orange
    hoodie"): assembly leaves them out of this turn, so the text never asks for both."""
    wanted = _topics(typed)
    if not wanted:
        return []
    return [item for item in keep_items(spec) if _topics(item) & wanted]


def role_names(roles: Sequence[str], words: Phrases = EN) -> str:
    """The references' roles in order, each once: ``front view, side view, outfit``."""
    names = dict(words.roles)
    seen: list[str] = []
    for role in roles:
        name = names.get(role, role)
        if name not in seen:
            seen.append(name)
    return words.comma.join(seen)


def assemble(
    spec: CharacterSpec, typed: str, *, first_turn: bool, has_references: bool, roles: Sequence[str] = ()
) -> str:
    """The text to send for ``typed``; unchanged when the spec is empty.

    Keep items the typed change is about are left out (see :func:`touched_rules`).
    ``first_turn`` means a fresh picture (nothing to edit): the first turn of a session, or a
    scene of a series. ``roles`` are the references' roles, in the order they are sent.
    """
    typed = typed.strip()
    if spec.is_empty():
        return typed
    words = phrases_for(spec)
    kept = keep_items(spec)
    touched = touched_rules(spec, typed)
    # Every rule left out: no keep sentence at all (the default one would contradict the change too).
    items = words.sep.join(k for k in kept if k not in touched) if kept else words.keep_default
    lines: list[str] = []
    if first_turn:
        lines.append(describe(spec, words))
        if has_references:
            named = role_names([r for r in roles if r != "other"], words)
            lines.append(words.refs.format(roles=named) if named else words.refs_plain)
            if items:
                lines.append(words.keep_scene.format(items=items))
        elif items and any(k.strip() for k in spec.keep):
            lines.append(words.keep.format(items=items))
        lines.append(words.scene.format(typed=typed))
    else:
        who = words.who.format(name=spec.name.strip()) if spec.name.strip() else words.who_plain
        lines.append(words.edit.format(who=who))
        if items:
            lines.append(words.change_only.format(items=items, typed=typed))
        else:
            lines.append(words.change_plain.format(typed=typed))
        lines.append(words.rest)
    return "\n".join(line for line in lines if line)

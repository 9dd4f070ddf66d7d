"""What the offline renderer understands of words: colours, garments, accessories, scenes, props.

A prompt is read once into a ``Reading`` (which words it names, and where); ``apply_prompt``
turns that into a new ``Look`` and ``not_drawn`` lists the words it had no drawing for, so the
reply never claims a picture the renderer did not make.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from session_tui.domain.model import CharacterSpec
from session_tui.providers.offline_vocab import (
    ACCESSORIES,
    ACCESSORY_COLOURS,
    BRIGHTNESS,
    COLOURS,
    DEFAULT_ACCESSORY_COLOUR,
    GARMENTS,
    GENERIC_KIND,
    GROUPS,
    INDOOR,
    LIGHTS,
    NEEDS_NOTHING,
    PROPS,
    RGB,
    SCENES,
)

__all__ = ["RGB", "Look", "Reading", "apply_prompt", "first_colour", "look_from_spec", "not_drawn", "read"]

NEAR = 24  # characters: a colour or brightness word this close to a garment word applies to it
Span = tuple[int, int, str]  # start, end, what it names


@dataclass(frozen=True)
class Look:
    """Everything the renderer draws: the character, what she wears and holds, and where she is."""

    hair: RGB = (120, 75, 40)
    hair_style: str = "short"
    eyes: RGB = (60, 40, 30)
    top: RGB = (90, 120, 200)
    bottom: RGB = (60, 60, 80)
    bottom_kind: str = "pants"
    skin: RGB = (255, 224, 196)
    blush: bool = False
    accessories: dict[str, RGB] = field(default_factory=dict)
    scene: str = "studio"
    props: tuple[str, ...] = ()
    light: str = "day"


def _find(
    lowered: str, table: Mapping[str, Iterable[str]], taken: set[int], plural: bool = True
) -> list[Span]:
    """Every word of ``table`` in the text, longest first, never two on the same characters.

    ``plural``: an English word also matches with -s or -es ('benches'); not for colours, since
    'oranges' are fruit."""
    words = sorted(((w, key) for key, ws in table.items() for w in ws), key=lambda p: -len(p[0]))
    found: list[Span] = []
    for word, key in words:
        pattern = (
            re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}{'(?:e?s)?' if plural else ''}\b"
        )
        for m in re.finditer(pattern, lowered):
            if not taken.intersection(range(m.start(), m.end())):
                taken.update(range(m.start(), m.end()))
                found.append((m.start(), m.end(), key))
    return sorted(found)


def _merge_group(spans: list[Span], text: str) -> list[Span]:
    """'orange-fruit hair clip' is one clip: neighbours of one group joined by spaces are merged."""
    group_of = {kind: g for g, kinds in GROUPS.items() for kind in kinds}
    out: list[Span] = []
    for span in spans:
        if out:
            start, end, kind = out[-1]
            same = group_of.get(kind) is not None and group_of.get(kind) == group_of.get(span[2])
            if same and not text[end : span[0]].strip(" -"):
                out[-1] = (start, span[1], kind)
                continue
        out.append(span)
    return out


@dataclass(frozen=True)
class Reading:
    """The words of one prompt the renderer knows, by what they name."""

    text: str
    colours: list[tuple[int, RGB]]
    garments: list[Span]
    accessories: list[Span]
    scenes: list[Span]
    props: list[Span]
    lights: list[Span]
    brightness: list[Span]
    known: set[int]  # positions of characters inside a known word


def read(text: str) -> Reading:
    lowered = text.lower()
    painted: set[int] = set()  # colour words also belong to what they colour ('orange-fruit clip')
    colours = [
        (s, COLOURS[w]) for s, _, w in _find(lowered, {w: (w,) for w in COLOURS}, painted, plural=False)
    ]
    taken: set[int] = set()
    accessories = _merge_group(_find(lowered, ACCESSORIES, taken), lowered)
    garments = _find(lowered, GARMENTS, taken)
    scenes = _find(lowered, SCENES, taken)
    props = _find(lowered, PROPS, taken)
    lights = _find(lowered, LIGHTS, taken)
    brightness = _find(lowered, {w: (w,) for w in BRIGHTNESS}, taken, plural=False)
    return Reading(text, colours, garments, accessories, scenes, props, lights, brightness, taken | painted)


def _removing(lowered: str, start: int) -> bool:
    before = lowered[max(0, start - 30) : start]
    return bool(
        re.search(
            r"(\b(remove|without|no|take off|takes off|drop)\b|去掉|不要|摘掉|拿掉)\W*(\w+\W*){0,2}$", before
        )
    )


def first_colour(text: str) -> RGB | None:
    found = read(text).colours
    return found[0][1] if found else None


def _accessory_kind(item: str) -> str | None:
    spans = read(item).accessories
    return spans[0][2] if spans else None


def _with_accessory(accessories: dict[str, RGB], kind: str, colour: RGB) -> dict[str, RGB]:
    """Put on ``kind``, taking off whatever of its group (one hat, one hair ornament) was worn."""
    for kinds in GROUPS.values():
        if kind in kinds:
            for other in kinds:
                accessories.pop(other, None)
    accessories[kind] = colour
    return accessories


def adjust(rgb: RGB, lightness: float, saturation: float) -> RGB:
    """The colour made lighter or darker (and more or less vivid), in HLS."""
    h, light, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    light = light + (1 - light) * lightness if lightness > 0 else light * (1 + lightness)
    s = min(1.0, max(0.0, s * saturation))
    r, g, b = colorsys.hls_to_rgb(h, light, s)
    return round(r * 255), round(g * 255), round(b * 255)


def look_from_spec(spec: CharacterSpec) -> Look:
    palette = [(int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)) for c in spec.palette]
    look = Look()
    hair = first_colour(spec.hair) or (palette[0] if palette else look.hair)
    hair_text = spec.hair.lower()
    style = "short"
    for key, words in (
        ("pigtails", ("pigtail", "twin", "双马尾", "辫")),
        ("ponytail", ("ponytail", "马尾")),
        ("long", ("long", "长发")),
        ("bun", ("bun", "丸子")),
    ):
        if any(w in hair_text for w in words):
            style = key
            break
    outfit_colours = [rgb for _, rgb in read(spec.outfit).colours]
    top = outfit_colours[0] if outfit_colours else (palette[1] if len(palette) > 1 else look.top)
    bottom = (
        outfit_colours[1] if len(outfit_colours) > 1 else (palette[2] if len(palette) > 2 else look.bottom)
    )
    outfit = spec.outfit.lower()
    bottom_kind = "skirt" if ("skirt" in outfit or "裙" in outfit or "dress" in outfit) else "pants"
    accessories: dict[str, RGB] = {}
    for item in spec.accessories:
        kind = _accessory_kind(item)
        if kind is not None:
            fallback = ACCESSORY_COLOURS.get(kind) or (palette[0] if palette else DEFAULT_ACCESSORY_COLOUR)
            _with_accessory(accessories, kind, first_colour(item) or fallback)
    blush = any(
        w in (spec.face + spec.notes + " ".join(spec.keep)).lower() for w in ("blush", "腮红", "红晕")
    )
    return replace(
        look,
        hair=hair,
        hair_style=style,
        top=top,
        bottom=bottom,
        bottom_kind=bottom_kind,
        accessories=accessories,
        blush=blush,
        eyes=first_colour(spec.eyes) or look.eyes,
    )


def scene_of(text: str) -> str | None:
    scenes = read(text).scenes
    return scenes[0][2] if scenes else None


def _resolve(kind: str, worn: Mapping[str, RGB]) -> str:
    """A word naming a whole group ('the hat', 'the clip') means the one already worn."""
    group = GENERIC_KIND.get(kind)
    if group is not None:
        for other in GROUPS[group]:
            if other in worn:
                return other
    return kind


def apply_prompt(look: Look, prompt: str) -> Look:
    """Follow an edit where the renderer can: colours, brightness, accessories, props, scene, light."""
    r = read(prompt)
    lowered = prompt.lower()
    accessories = dict(look.accessories)
    targets = [(s, g) for s, _, g in r.garments]
    for start, _, kind in r.accessories:
        kind = _resolve(kind, accessories)
        if _removing(lowered, start):
            accessories.pop(kind, None)
        else:
            colour = accessories.get(kind) or ACCESSORY_COLOURS.get(kind, DEFAULT_ACCESSORY_COLOUR)
            _with_accessory(accessories, kind, colour)
            targets.append((start, kind))
    colours: dict[str, RGB] = {g: getattr(look, g) for g in GARMENTS}
    colours.update(accessories)

    def nearest(pos: int) -> str | None:
        close = [(abs(tpos - pos), tpos, what) for tpos, what in targets if abs(tpos - pos) <= NEAR]
        return min(close)[2] if close else None

    for pos, rgb in r.colours:  # each colour goes to the garment nearest to it
        what = nearest(pos)
        if what is not None:
            colours[what] = rgb
    for pos, _, word in r.brightness:
        what = nearest(pos)
        if what is not None:
            colours[what] = adjust(colours[what], *BRIGHTNESS[word])
    changes: dict[str, object] = {g: colours[g] for g in GARMENTS}
    accessories = {k: colours[k] for k in accessories}
    if "blush" in lowered or "腮红" in lowered:
        changes["blush"] = not re.search(r"(remove|without|no)\W+blush", lowered)
    props = list(look.props)
    light = look.light
    if r.scenes and r.scenes[0][2] != look.scene:
        changes["scene"] = r.scenes[0][2]
        props, light = [], "day"  # a new place: what stood in the old one stays there
    for start, _, prop in r.props:
        if _removing(lowered, start):
            props = [p for p in props if p != prop]
        elif prop not in props:
            props.append(prop)
    if r.lights:
        light = r.lights[0][2]
    return replace(look, accessories=accessories, props=tuple(props), light=light, **changes)  # type: ignore[arg-type]


def not_drawn(look: Look, prompt: str) -> list[str]:
    """The prompt's words the renderer drew nothing for, in order: unknown nouns, light indoors."""
    r = read(prompt)
    out: list[str] = []
    for m in re.finditer(r"[a-zà-öø-ÿœæß]+(?:'[a-z]+)?", prompt.lower()):
        word = m.group()
        if r.known.intersection(range(m.start(), m.end())) or len(word) < 3:
            continue
        if word in NEEDS_NOTHING or word.rstrip("s") in NEEDS_NOTHING or word.endswith("'s"):
            continue
        if len(word) > 4 and word.endswith(("ing", "ed", "ly")):
            continue  # a verb or an adverb: how, not what
        if word not in out:
            out.append(word)
    if r.lights and look.scene in INDOOR:
        out.extend(text for s, e, _ in r.lights if (text := prompt[s:e].lower()) not in out)
    return out

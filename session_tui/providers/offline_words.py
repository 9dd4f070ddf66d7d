"""What the offline renderer understands of words: colours, garments, accessories, scenes.

English and Chinese words both count, since character specs are written in either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from session_tui.domain.model import CharacterSpec

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "orange": (255, 140, 0),
    "橙": (255, 140, 0),
    "橘": (255, 140, 0),
    "blue": (40, 110, 230),
    "蓝": (40, 110, 230),
    "navy": (20, 40, 110),
    "light blue": (135, 190, 245),
    "浅蓝": (135, 190, 245),
    "天蓝": (135, 200, 245),
    "red": (215, 40, 40),
    "红": (215, 40, 40),
    "yellow": (250, 210, 40),
    "黄": (250, 210, 40),
    "gold": (230, 180, 40),
    "金": (230, 180, 40),
    "green": (50, 160, 80),
    "绿": (50, 160, 80),
    "purple": (140, 70, 190),
    "紫": (140, 70, 190),
    "pink": (245, 140, 180),
    "粉": (245, 140, 180),
    "white": (250, 250, 250),
    "白": (250, 250, 250),
    "black": (30, 30, 35),
    "黑": (30, 30, 35),
    "brown": (120, 75, 40),
    "棕": (120, 75, 40),
    "褐": (120, 75, 40),
    "咖啡": (120, 75, 40),
    "grey": (140, 140, 140),
    "gray": (140, 140, 140),
    "灰": (140, 140, 140),
    "silver": (200, 200, 210),
    "银": (200, 200, 210),
    "teal": (0, 140, 140),
    "cyan": (40, 200, 220),
    "青": (40, 200, 220),
    "beige": (255, 228, 181),
    "cream": (255, 240, 200),
    "米": (255, 228, 181),
}

# garment slot -> words that name it
SLOTS: dict[str, tuple[str, ...]] = {
    "hair": ("hair", "pigtails", "ponytail", "头发", "发", "马尾", "辫"),
    "top": (
        "hoodie",
        "jacket",
        "shirt",
        "sweater",
        "top",
        "coat",
        "dress",
        "卫衣",
        "外套",
        "衬衫",
        "上衣",
        "毛衣",
    ),
    "bottom": ("skirt", "pants", "trousers", "shorts", "jeans", "裙", "裤"),
    "eyes": ("eyes", "eye", "眼"),
    "scarf": ("scarf", "围巾"),
    "hat": ("hat", "cap", "beanie", "帽"),
    "bow": ("bow", "clip", "hairpin", "hair accessory", "ribbon", "发饰", "发夹", "蝴蝶结"),
    "glasses": ("glasses", "spectacles", "眼镜"),
    "backpack": ("backpack", "bag", "背包", "书包"),
}
ACCESSORIES = ("scarf", "hat", "bow", "glasses", "backpack")

SCENES: dict[str, tuple[str, ...]] = {
    "beach": ("beach", "sea", "ocean", "seaside", "sand", "海滩", "海边", "沙滩"),
    "office": ("office", "desk", "work", "办公"),
    "kitchen": ("kitchen", "cook", "cooking", "厨房", "做饭"),
    "park": ("park", "garden", "forest", "tree", "grass", "公园", "花园", "森林"),
    "snow": ("snow", "winter", "ski", "雪", "冬"),
    "night": ("night", "moon", "stars", "evening", "夜", "月"),
    "city": ("city", "street", "town", "城市", "街"),
    "space": ("space", "planet", "rocket", "太空", "宇宙"),
}


def _hex(colour: str) -> RGB:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _colour_words(text: str) -> list[tuple[int, RGB]]:
    """(position, colour) of every colour word, longest names first so 'light blue' wins over 'blue'."""
    found: list[tuple[int, int, RGB]] = []
    lowered = text.lower()
    taken: set[int] = set()
    for word in sorted(COLOURS, key=len, reverse=True):
        pattern = re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}\b"
        for m in re.finditer(pattern, lowered):
            if not taken.intersection(range(m.start(), m.end())):
                taken.update(range(m.start(), m.end()))
                found.append((m.start(), m.end(), COLOURS[word]))
    return [(start, rgb) for start, _, rgb in sorted(found)]


def _slot_positions(text: str) -> list[tuple[int, str]]:
    lowered = text.lower()
    out: list[tuple[int, str]] = []
    for slot, words in SLOTS.items():
        for word in words:
            pattern = re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}s?\b"
            out.extend((m.start(), slot) for m in re.finditer(pattern, lowered))
    return sorted(out)


def first_colour(text: str) -> RGB | None:
    found = _colour_words(text)
    return found[0][1] if found else None


@dataclass(frozen=True)
class Look:
    """Everything the renderer draws of the character."""

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


def look_from_spec(spec: CharacterSpec) -> Look:
    palette = [_hex(c) for c in spec.palette]
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
    outfit_colours = [rgb for _, rgb in _colour_words(spec.outfit)]
    top = outfit_colours[0] if outfit_colours else (palette[1] if len(palette) > 1 else look.top)
    bottom = (
        outfit_colours[1] if len(outfit_colours) > 1 else (palette[2] if len(palette) > 2 else look.bottom)
    )
    outfit = spec.outfit.lower()
    bottom_kind = "skirt" if ("skirt" in outfit or "裙" in outfit or "dress" in outfit) else "pants"
    accessories: dict[str, RGB] = {}
    for item in spec.accessories:
        for slot in ACCESSORIES:
            if any(w in item.lower() for w in SLOTS[slot]):
                accessories[slot] = first_colour(item) or (palette[0] if palette else (230, 80, 80))
    blush = any(
        w in (spec.face + spec.notes + " ".join(spec.keep)).lower() for w in ("blush", "腮红", "红晕")
    )
    look = replace(
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
    return look


def scene_of(text: str) -> str | None:
    lowered = text.lower()
    for scene, words in SCENES.items():
        for word in words:
            if (word in lowered) if not word.isascii() else re.search(rf"\b{re.escape(word)}", lowered):
                return scene
    return None


def apply_prompt(look: Look, prompt: str) -> Look:
    """Follow an edit prompt where the renderer can: colour changes, accessories, the scene."""
    lowered = prompt.lower()
    accessories = dict(look.accessories)
    changes: dict[str, object] = {}
    colours = _colour_words(prompt)
    for pos, slot in _slot_positions(prompt):
        # The colour nearest to the garment word, within a few words either side, applies to it.
        near = [(abs(cpos - pos), rgb) for cpos, rgb in colours if abs(cpos - pos) <= 24]
        removing = re.search(
            rf"(remove|without|no|take off|去掉|不要)\W+(the\W+|a\W+)?\w*\W*{re.escape(SLOTS[slot][0])}",
            lowered,
        )
        if slot in ACCESSORIES:
            if removing:
                accessories.pop(slot, None)
                continue
            accessories[slot] = min(near)[1] if near else accessories.get(slot, (220, 60, 60))
        elif near:
            changes[slot] = min(near)[1]
    if "blush" in lowered or "腮红" in lowered:
        changes["blush"] = not re.search(r"(remove|without|no)\W+blush", lowered)
    scene = scene_of(prompt)
    if scene:
        changes["scene"] = scene
    return replace(look, accessories=accessories, **changes)  # type: ignore[arg-type]

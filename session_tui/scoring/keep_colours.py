"""Keep rules in colour: "same orange hoodie" checked inside the character, against the reference.

Every pixel of the character is given the name of its nearest colour prototype (CIELAB distance to
a few sRGB examples per name: dark red, red and light red are all "red"), so the share of "orange"
in a character is the share of its pixels that people would call orange. A colour word in a keep
rule (or a ``#RRGGBB`` in it) is checked in the zone of the character its garment names: hair,
hats and bows at the top, hoodies and shirts in the middle, skirts, trousers and shoes at the
bottom, anything else over the whole character.

A rule breaks when the reference shows the colour there (at least REFERENCE_MIN of the zone) and
the picture keeps under KEEP_RATIO of that share; with no reference, when the colour covers less
of the zone than its garment should (LARGE for a hoodie or hair, SMALL for a bow or shoes,
EXPECTED_MIN of the character for a colour named with no garment). These numbers are a
judgement, written down in docs/SCORING.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

# The names shares are kept for, in this order (features store one share per name per zone).
NAMES: tuple[str, ...] = (
    "red",
    "orange",
    "yellow",
    "green",
    "teal",
    "blue",
    "purple",
    "pink",
    "brown",
    "beige",
    "black",
    "grey",
    "white",
)
# A few sRGB examples of each name; a pixel takes the name of the nearest example.
PROTOTYPES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "red": ((215, 40, 40), (150, 20, 30), (240, 80, 70), (110, 20, 30)),
    "orange": ((255, 140, 0), (230, 110, 30), (255, 170, 70), (210, 120, 50)),
    "yellow": ((250, 210, 40), (240, 230, 90), (200, 170, 30), (255, 240, 140)),
    "green": ((50, 160, 80), (30, 100, 40), (130, 200, 100), (100, 130, 50), (20, 60, 30)),
    "teal": ((0, 140, 140), (40, 200, 220), (0, 90, 100)),
    "blue": ((40, 110, 230), (20, 40, 110), (130, 185, 240), (30, 150, 210), (60, 80, 160)),
    "purple": ((140, 70, 190), (80, 30, 110), (180, 130, 220)),
    "pink": ((245, 140, 180), (230, 70, 150), (250, 200, 215), (200, 100, 130)),
    "brown": ((120, 75, 40), (80, 50, 30), (150, 95, 55), (60, 40, 30)),
    "beige": ((255, 228, 181), (220, 200, 160), (255, 240, 205), (190, 170, 130)),
    "black": ((25, 25, 28),),
    "grey": ((128, 128, 128), (85, 85, 90), (185, 185, 190), (110, 115, 125)),
    "white": ((250, 250, 250), (230, 232, 236)),
}
# Words people write for those names (English and Chinese, as character specs are written in either).
WORDS: dict[str, str] = {
    **{n: n for n in NAMES},
    "gray": "grey",
    "silver": "grey",
    "navy": "blue",
    "cyan": "teal",
    "turquoise": "teal",
    "aqua": "teal",
    "violet": "purple",
    "lilac": "purple",
    "lavender": "purple",
    "magenta": "pink",
    "crimson": "red",
    "scarlet": "red",
    "maroon": "red",
    "ginger": "orange",
    "tan": "brown",
    "chocolate": "brown",
    "cream": "beige",
    "ivory": "beige",
    "gold": "yellow",
    "golden": "yellow",
    "blonde": "yellow",
    "blond": "yellow",
    "红": "red",
    "橙": "orange",
    "橘": "orange",
    "黄": "yellow",
    "金": "yellow",
    "绿": "green",
    "青": "teal",
    "蓝": "blue",
    "紫": "purple",
    "粉": "pink",
    "棕": "brown",
    "褐": "brown",
    "咖啡": "brown",
    "米": "beige",
    "黑": "black",
    "灰": "grey",
    "银": "grey",
    "白": "white",
}
ZONES: tuple[str, ...] = ("character", "top", "middle", "bottom")
# Garment words: the zone of the character they are in and the share of that zone they should
# cover at least, when there is no reference to compare with (large garments most of their zone,
# small accessories a little).
LARGE, SMALL = 0.15, 0.03
GARMENTS: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("hair", "pigtail", "ponytail", "braid", "头发", "发", "马尾", "辫"), ("top", LARGE)),
    **dict.fromkeys(
        (
            "bun",
            "hat",
            "cap",
            "beanie",
            "bow",
            "ribbon",
            "clip",
            "hairpin",
            "hair accessory",
            "ears",
            "helmet",
            "帽",
            "蝴蝶结",
            "发饰",
            "发夹",
        ),
        ("top", SMALL),
    ),
    **dict.fromkeys(
        (
            "hoodie",
            "jacket",
            "shirt",
            "t-shirt",
            "sweater",
            "top",
            "coat",
            "dress",
            "vest",
            "jumper",
            "blouse",
            "卫衣",
            "外套",
            "衬衫",
            "上衣",
            "毛衣",
        ),
        ("middle", LARGE),
    ),
    **dict.fromkeys(("scarf", "tie", "围巾"), ("middle", SMALL)),
    **dict.fromkeys(("skirt", "pants", "trousers", "shorts", "jeans", "legs", "裙", "裤"), ("bottom", LARGE)),
    **dict.fromkeys(("shoes", "boots", "socks", "sneakers", "鞋", "靴"), ("bottom", SMALL)),
}
REFERENCE_MIN = 0.05  # the reference must show the colour on 5 % of the zone for a rule to bind
KEEP_RATIO = 0.4  # a picture keeping under 40 % of the reference's share breaks the rule
EXPECTED_MIN = 0.03  # with no reference: a colour named with no garment must cover 3 % of the character
_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


@dataclass(frozen=True)
class ColourCheck:
    """One colour a rule names: ``colour`` is a name of NAMES or a ``#RRGGBB``; ``zone`` one of ZONES;
    ``expected``: the least share of the zone it should cover when there is no reference."""

    rule: str
    colour: str
    zone: str
    expected: float = EXPECTED_MIN


@cache
def prototype_table() -> tuple[tuple[tuple[float, float, float], ...], tuple[int, ...]]:
    """CIELAB of every prototype and the index in NAMES of its name."""
    from session_tui.scoring.colour import srgb_to_lab

    labs, owners = [], []
    for i, name in enumerate(NAMES):
        for rgb in PROTOTYPES[name]:
            labs.append(srgb_to_lab(rgb))
            owners.append(i)
    return tuple(labs), tuple(owners)


def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    """One alternation of ``words``, longest first, whole words for Latin script (a plural s allowed)."""
    parts = [
        re.escape(w) if not w.isascii() else rf"\b{re.escape(w)}s?\b"
        for w in sorted(words, key=len, reverse=True)
    ]
    return re.compile("|".join(parts))


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The colour-word pattern (hex colours first) and the garment pattern, compiled once."""
    return re.compile(_HEX.pattern + "|" + _pattern(list(WORDS)).pattern), _pattern(list(GARMENTS))


def _garment(text: str) -> tuple[str, float]:
    """The zone and expected share of the first garment word in ``text`` (the whole character if none)."""
    m = _patterns()[1].search(text)
    if m is None:
        return "character", EXPECTED_MIN
    word = m.group(0)
    return GARMENTS.get(word) or GARMENTS[word[:-1]]


def _colour_words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, colour) of each colour word or hex colour in ``text`` (lower case), in order."""
    out = []
    for m in _patterns()[0].finditer(text):
        word = m.group(0)
        if word.startswith("#"):
            out.append((m.start(), m.end(), word.upper()))
        else:
            out.append((m.start(), m.end(), WORDS.get(word, WORDS.get(word[:-1], word))))
    return out


def colour_checks(rules: Sequence[str]) -> list[ColourCheck]:
    """The colours each rule names, each with the zone of the garment that follows it.

    "same orange hoodie and white skirt" gives (orange, middle) and (white, bottom); a colour with
    no garment word after it (before the next colour) is checked over the whole character.
    """
    checks: list[ColourCheck] = []
    for rule in rules:
        text = rule.lower()
        words = _colour_words(text)
        for n, (_, end, colour) in enumerate(words):
            upto = words[n + 1][0] if n + 1 < len(words) else len(text)
            # Hex colours are measured over the whole character (zones keep colour names only).
            zone, expected = (
                ("character", EXPECTED_MIN) if colour.startswith("#") else _garment(text[end:upto])
            )
            check = ColourCheck(rule=rule, colour=colour, zone=zone, expected=expected)
            if check not in checks:
                checks.append(check)
    return checks


def percent(share: float) -> str:
    return f"{round(100 * share)}%"


def _where(zone: str) -> str:
    return "the character" if zone == "character" else f"the {zone} of the character"


def broken(check: ColourCheck, share: float, reference_share: float | None) -> str | None:
    """The flag for a check that breaks (None when it holds).

    ``share``: the colour's share of the zone in the picture; ``reference_share``: the same in the
    nearest reference, or None without references.
    """
    label = f'keep "{check.rule}"'
    if reference_share is None:
        if share < check.expected:
            return (
                f"{label}: {check.colour} covers {percent(share)} of {_where(check.zone)} "
                f"(expected at least {percent(check.expected)})"
            )
        return None
    if reference_share >= REFERENCE_MIN and share < KEEP_RATIO * reference_share:
        return (
            f"{label}: {check.colour} fell from {percent(reference_share)} to {percent(share)} "
            f"of {_where(check.zone)}"
        )
    return None

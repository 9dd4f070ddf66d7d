"""Props the prompt names: things that stand in the scene (a bench, a tree, a gift) and things the
character holds (a book, a cup, a basket of oranges, an umbrella, a balloon, flowers, cookies).

Standing props are drawn before the character, so she stands in front of them; held ones after,
in her hands (her right hand first, then her left, then at her feet).
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from session_tui.providers.offline_scenes import christmas_tree, fruit, gift, side_zones
from session_tui.providers.offline_vocab import HELD
from session_tui.providers.offline_wear import Pose
from session_tui.providers.offline_words import Look

BROWN = (110, 75, 40)
WICKER = (180, 130, 70)


def draw_standing(img: Image.Image, look: Look, p: Pose, feet: float, rng: random.Random) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    u = p.u
    left, right = side_zones(w, h)
    if "bench" in look.props:  # a park bench behind her legs, seat at knee height
        seat = feet - 16 * u
        x0, x1 = p.cx - 30 * u, p.cx + 30 * u
        for x in (x0 + 3 * u, x1 - 5 * u):
            d.rectangle((x, seat, x + 2 * u, feet - 2 * u), fill=(60, 60, 60))
        for k in range(3):
            y = seat - 14 * u + 4.5 * k * u
            d.rectangle((x0, y, x1, y + 3 * u), fill=BROWN, outline=(70, 45, 25))
        d.rectangle((x0 - 2 * u, seat, x1 + 2 * u, seat + 3 * u), fill=BROWN, outline=(70, 45, 25))
    if "tree" in look.props and look.scene not in ("christmas", "blossoms", "park"):
        x = left / 2
        if look.scene in ("office", "kitchen", "cafe", "library", "supermarket", "studio"):
            if "gift" in look.props:
                christmas_tree(d, x, feet, u, rng)
            else:
                _plant(d, x, feet, u)
        else:
            d.rectangle((x - 2 * u, feet - 24 * u, x + 2 * u, feet), fill=BROWN)
            d.ellipse((x - 11 * u, feet - 44 * u, x + 11 * u, feet - 20 * u), fill=(40, 130, 60))
    if "gift" in look.props:
        gift(d, right + 2 * u, feet, 8 * u, (200, 40, 60))


def _plant(d: ImageDraw.ImageDraw, x: float, base: float, u: float) -> None:
    """Indoors, a tree is a potted one."""
    d.polygon(
        [(x - 5 * u, base - 8 * u), (x + 5 * u, base - 8 * u), (x + 4 * u, base), (x - 4 * u, base)],
        fill=(170, 90, 50),
    )
    d.rectangle((x - u, base - 20 * u, x + u, base - 8 * u), fill=BROWN)
    d.ellipse((x - 9 * u, base - 36 * u, x + 9 * u, base - 16 * u), fill=(40, 130, 60))


def draw_held(img: Image.Image, look: Look, p: Pose, feet: float) -> None:
    d = ImageDraw.Draw(img)
    held = [prop for prop in look.props if prop in HELD]
    if "oranges" in held and "basket" in held:
        held.remove("oranges")  # the oranges go in the basket
    spots = [p.hand(1), p.hand(-1)]
    for n, prop in enumerate(held):
        if n < len(spots):
            x, y = spots[n]
        else:  # more than two hands can hold: at her feet, alternating sides
            x, y = p.cx + (24 + 8 * (n - 2)) * p.u * (1 if n % 2 else -1), feet - 4 * p.u
        _HELD[prop](d, x, y, p.u, look)


def _book(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look) -> None:
    d.rectangle((x - 6 * u, y - 9 * u, x + 6 * u, y + 1 * u), fill=(160, 40, 50), outline=(60, 20, 20))
    d.rectangle((x - 5.2 * u, y - 8.2 * u, x - 0.3 * u, y + 0.2 * u), fill=(250, 248, 235))
    d.rectangle((x + 0.3 * u, y - 8.2 * u, x + 5.2 * u, y + 0.2 * u), fill=(250, 248, 235))
    for k in range(4):
        ly = y - (6.5 - 1.8 * k) * u
        for x0 in (x - 4.5 * u, x + 1 * u):
            d.line((x0, ly, x0 + 3.5 * u, ly), fill=(120, 120, 120), width=max(1, int(u / 4)))


def _cup(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look) -> None:
    d.rectangle((x - 2.5 * u, y - 7 * u, x + 2.5 * u, y), fill=(250, 250, 250), outline=(90, 90, 90))
    d.ellipse((x - 2.3 * u, y - 7.8 * u, x + 2.3 * u, y - 6.2 * u), fill=(110, 70, 40))
    d.arc(
        (x + 1.5 * u, y - 5.5 * u, x + 5 * u, y - 1.5 * u),
        270,
        90,
        fill=(90, 90, 90),
        width=max(1, int(u / 2)),
    )


def _basket(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look, oranges: bool = False) -> None:
    d.arc((x - 6 * u, y - 6 * u, x + 6 * u, y + 6 * u), 180, 360, fill=WICKER, width=max(1, int(u)))
    if oranges or "oranges" in look.props:
        for k in range(4):
            fruit(d, x + (-4.5 + 3 * k) * u, y + 1.5 * u, 1.8 * u)
    d.polygon(
        [(x - 7 * u, y + 2 * u), (x + 7 * u, y + 2 * u), (x + 5.5 * u, y + 9 * u), (x - 5.5 * u, y + 9 * u)],
        fill=WICKER,
        outline=(120, 80, 40),
    )


def _oranges(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look) -> None:
    _basket(d, x, y, u, look, oranges=True)


def _umbrella(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look) -> None:
    d.line((x, y, x, y - 40 * u), fill=(60, 60, 60), width=max(1, int(u / 2)))
    d.chord(
        (x - 16 * u, y - 50 * u, x + 16 * u, y - 30 * u), 180, 360, fill=(60, 120, 200), outline=(30, 60, 110)
    )


def _balloon(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look) -> None:
    d.line((x, y, x + 3 * u, y - 30 * u), fill=(80, 80, 80), width=max(1, int(u / 3)))
    d.ellipse((x - 3 * u, y - 44 * u, x + 9 * u, y - 30 * u), fill=(230, 50, 70), outline=(150, 30, 40))


def _flowers(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look) -> None:
    for stem in (-2, 0, 2):
        d.line((x, y, x + stem * u, y - 8 * u), fill=(40, 130, 50), width=max(1, int(u / 2)))
    for dx, dy, colour in (
        (-2.5, -9.0, (240, 90, 130)),
        (0.0, -11.0, (250, 210, 40)),
        (2.5, -9.0, (200, 80, 200)),
    ):
        d.ellipse(
            (x + (dx - 1.8) * u, y + (dy - 1.8) * u, x + (dx + 1.8) * u, y + (dy + 1.8) * u), fill=colour
        )


def _cookies(d: ImageDraw.ImageDraw, x: float, y: float, u: float, look: Look) -> None:
    d.rectangle((x - 8 * u, y - 2 * u, x + 8 * u, y), fill=(150, 150, 155), outline=(90, 90, 95))
    for k in range(4):
        cx = x + (-6 + 4 * k) * u
        d.ellipse((cx - 1.7 * u, y - 4.5 * u, cx + 1.7 * u, y - 1.8 * u), fill=(210, 160, 90))


_HELD = {
    "book": _book,
    "cup": _cup,
    "oranges": _oranges,
    "basket": _basket,
    "umbrella": _umbrella,
    "balloon": _balloon,
    "flowers": _flowers,
    "cookies": _cookies,
}

"""Backgrounds for the offline renderer: each scene's sky or wall, ground or floor, and furniture.

Furniture stands at the sides (``side_zones``) so the character in the middle stays in full view.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from session_tui.providers.offline_vocab import INDOOR, RGB

Draw = ImageDraw.ImageDraw

# scene -> (sky or wall, ground or floor, horizon as a fraction of the height)
BACKDROPS: dict[str, tuple[RGB, RGB, float]] = {
    "beach": ((120, 200, 250), (240, 215, 160), 0.62),
    "office": ((215, 215, 205), (150, 120, 90), 0.70),
    "kitchen": ((245, 240, 225), (200, 190, 170), 0.70),
    "park": ((150, 210, 250), (90, 170, 80), 0.65),
    "snow": ((200, 215, 235), (250, 250, 255), 0.65),
    "night": ((15, 20, 60), (30, 40, 60), 0.72),
    "city": ((170, 190, 215), (110, 110, 120), 0.72),
    "space": ((5, 5, 20), (60, 60, 70), 0.80),
    "supermarket": ((200, 226, 212), (205, 205, 198), 0.72),
    "cafe": ((196, 150, 110), (120, 80, 50), 0.72),
    "library": ((110, 75, 50), (150, 45, 45), 0.74),
    "christmas": ((236, 214, 186), (150, 100, 60), 0.72),
    "blossoms": ((190, 220, 250), (120, 185, 95), 0.66),
}
STUDIO: tuple[RGB, RGB, float] = ((235, 235, 240), (200, 200, 210), 0.75)
SUNSET_TOP: RGB = (150, 80, 150)
SUNSET_LOW: RGB = (255, 170, 90)
SUN_LOW: RGB = (255, 225, 120)
ORANGE: RGB = (255, 140, 0)
LEAF: RGB = (40, 140, 50)


def shade(rgb: RGB, f: float) -> RGB:
    return tuple(max(0, min(255, int(c * f))) for c in rgb)  # type: ignore[return-value]


def side_zones(w: int, h: int) -> tuple[float, float]:
    """Right edge of the free space left of the character, left edge of the space right of it."""
    u = min(w, h) / 100 * 0.9
    return w / 2 - 27 * u, w / 2 + 27 * u


def has_sky(scene: str) -> bool:
    return scene not in INDOOR and scene not in ("night", "space")


def draw_scene(img: Image.Image, scene: str, light: str, rng: random.Random) -> float:
    """Paint the background; return the ground line as a fraction of the height."""
    d = ImageDraw.Draw(img)
    w, h = img.size
    sky, ground, horizon = BACKDROPS.get(scene, STUDIO)
    gy = int(h * horizon)
    sunset = light == "sunset" and has_sky(scene)
    if sunset:
        for y in range(gy):  # a warm sky, reddest near the horizon
            t = y / max(1, gy - 1)
            d.line(
                (0, y, w, y),
                fill=tuple(int(a + (b - a) * t) for a, b in zip(SUNSET_TOP, SUNSET_LOW, strict=True)),
            )
    else:
        d.rectangle((0, 0, w, gy), fill=sky)
    d.rectangle((0, gy, w, h), fill=shade(ground, 0.8) if sunset else ground)
    unit = min(w, h) / 100
    left, right = side_zones(w, h)
    if sunset and scene != "beach":
        sx = (0.12 if rng.random() < 0.5 else 0.8) * w
        d.chord((sx - 9 * unit, gy - 9 * unit, sx + 9 * unit, gy + 9 * unit), 180, 360, fill=SUN_LOW)
    painter = _PAINTERS.get(scene)
    if painter is not None:
        painter(d, w, h, gy, unit, left, right, rng, sunset)
    return horizon


def _beach(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    sea_top = gy - 8 * unit
    if sunset:  # the sun sits on the sea, half set, and lays a golden path on the water
        sx = rng.uniform(0.15, 0.3) * w if rng.random() < 0.5 else rng.uniform(0.7, 0.85) * w
        d.chord(
            (sx - 10 * unit, sea_top - 10 * unit, sx + 10 * unit, sea_top + 10 * unit), 180, 360, fill=SUN_LOW
        )
        d.rectangle((0, sea_top, w, gy), fill=(90, 70, 140))
        for i in range(4):
            y = sea_top + (1 + 2 * i) * unit
            half = (8 - 1.5 * i) * unit
            d.line((sx - half, y, sx + half, y), fill=(255, 190, 100), width=max(1, int(unit)))
    else:
        d.rectangle((0, sea_top, w, gy), fill=(40, 120, 200))
        sx = rng.uniform(0.1, 0.9) * w
        d.ellipse((sx - 6 * unit, 6 * unit, sx + 6 * unit, 18 * unit), fill=(255, 220, 80))


def _office(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    for i in range(3):
        x = (0.1 + 0.3 * i + rng.uniform(0, 0.05)) * w
        d.rectangle(
            (x, 0.12 * h, x + 0.18 * w, 0.4 * h),
            fill=(170, 200, 230),
            outline=(90, 90, 90),
            width=max(1, int(unit)),
        )
    # the desk, with a monitor, a keyboard and a mug
    x0, x1 = 0.03 * w, left
    d.rectangle((x0, gy - 14 * unit, x1, gy - 11 * unit), fill=(120, 85, 50))
    for x in (x0 + unit, x1 - 3 * unit):
        d.rectangle((x, gy - 11 * unit, x + 2 * unit, gy + 4 * unit), fill=(95, 65, 40))
    mx = (x0 + x1) / 2
    d.rectangle((mx - 9 * unit, gy - 29 * unit, mx + 9 * unit, gy - 17 * unit), fill=(40, 40, 45))
    d.rectangle((mx - 8 * unit, gy - 28 * unit, mx + 8 * unit, gy - 18 * unit), fill=(90, 150, 210))
    d.rectangle((mx - unit, gy - 17 * unit, mx + unit, gy - 14 * unit), fill=(40, 40, 45))
    d.rectangle((mx - 7 * unit, gy - 15.5 * unit, mx + 5 * unit, gy - 14 * unit), fill=(200, 200, 200))
    d.rectangle((x1 - 7 * unit, gy - 18 * unit, x1 - 4 * unit, gy - 14 * unit), fill=(250, 250, 250))


def _kitchen(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    step = max(4, int(8 * unit))
    for y in range(0, gy, step):
        d.line((0, y, w, y), fill=(225, 220, 205), width=max(1, int(unit / 3)))
    d.rectangle((0, gy - 14 * unit, w, gy), fill=(180, 140, 100))
    d.rectangle((right + 4 * unit, gy - 12 * unit, right + 20 * unit, gy), fill=(60, 60, 60))  # the oven
    d.rectangle((right + 6 * unit, gy - 9 * unit, right + 18 * unit, gy - 2 * unit), fill=(255, 170, 60))
    for x in (0.04 * w, right + 2 * unit):  # cupboards
        d.rectangle(
            (x, 0.08 * h, x + 18 * unit, 0.08 * h + 14 * unit), fill=(200, 160, 120), outline=(150, 110, 80)
        )


def _park(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    for _ in range(rng.randint(2, 4)):
        x = rng.uniform(0.05, 0.95) * w
        if abs(x - w / 2) < 15 * unit:
            x += 30 * unit
        d.rectangle((x - 2 * unit, gy - 20 * unit, x + 2 * unit, gy), fill=(110, 75, 40))
        d.ellipse((x - 11 * unit, gy - 40 * unit, x + 11 * unit, gy - 16 * unit), fill=(40, 130, 60))


def _dots(
    d: Draw, w: int, gy: int, unit: float, rng: random.Random, density: int, r: tuple[float, float], fill: RGB
) -> None:
    for _ in range(int(w * gy / (unit * unit * density))):
        x, y = rng.uniform(0, w), rng.uniform(0, gy)
        radius = rng.uniform(*r) * unit
        d.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)


def _snow(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    _dots(d, w, gy, unit, rng, 60, (0.3, 0.9), (255, 255, 255))


def _night(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    _dots(d, w, gy, unit, rng, 40, (0.15, 0.45), (255, 255, 220))
    mx = rng.uniform(0.1, 0.9) * w
    d.ellipse((mx - 7 * unit, 5 * unit, mx + 7 * unit, 19 * unit), fill=(245, 240, 200))


def _space(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    _night(d, w, h, gy, unit, left, right, rng, sunset)
    d.ellipse((0.7 * w, 0.5 * h, 0.7 * w + 20 * unit, 0.5 * h + 20 * unit), fill=(200, 120, 80))


def _city(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    x = 0.0
    while x < w:
        bw, bh = rng.uniform(8, 16) * unit, rng.uniform(20, 45) * unit
        d.rectangle(
            (x, gy - bh, x + bw - unit, gy),
            fill=shade((120, 125, 140), rng.uniform(0.8, 1.1) * (0.7 if sunset else 1)),
        )
        x += bw


def fruit(d: Draw, x: float, y: float, r: float, colour: RGB = ORANGE) -> None:
    """An orange (or any round fruit) with a green leaf."""
    d.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=shade(colour, 0.75))
    d.ellipse((x + 0.1 * r, y - 1.45 * r, x + 0.9 * r, y - 0.75 * r), fill=LEAF)


def _shelves(
    d: Draw, x0: float, x1: float, top: float, bottom: float, unit: float, frame: RGB
) -> list[float]:
    """A shelf unit; returns the height of each shelf board, top down."""
    d.rectangle((x0, top, x1, bottom), fill=shade(frame, 0.8))
    rows = [top + (bottom - top) * k / 4 for k in range(1, 5)]
    for y in rows:
        d.rectangle((x0, y - unit, x1, y), fill=frame)
    return rows


def _supermarket(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    for tile in range(0, w, max(4, int(10 * unit))):
        d.line((tile, gy, tile, h), fill=(190, 190, 184), width=max(1, int(unit / 3)))
    produce = [ORANGE, ORANGE, (200, 40, 40), (250, 210, 40), (90, 170, 60)]
    for x0, x1 in ((0.01 * w, left - unit), (right + unit, 0.99 * w)):
        rows = _shelves(d, x0, x1, 0.12 * h, gy + 2 * unit, unit, (150, 150, 155))
        for n, y in enumerate(rows):
            colour = produce[(n + int(rng.random() * 3)) % len(produce)] if n else ORANGE
            r = 2.2 * unit
            x = x0 + 1.5 * r
            while x < x1 - r:
                if colour == ORANGE:
                    fruit(d, x, y - unit - r, r)
                else:
                    d.ellipse((x - r, y - unit - 2 * r, x + r, y - unit), fill=colour)
                x += 2.1 * r
    d.rectangle(
        (left - 22 * unit, 0.04 * h, left - 4 * unit, 0.10 * h), fill=ORANGE
    )  # the orange aisle's sign


def _cafe(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    d.rectangle((0, gy - 16 * unit, w, gy), fill=(150, 105, 70))  # wainscot
    d.rectangle((0.03 * w, gy - 20 * unit, left, gy + 3 * unit), fill=(90, 60, 40))  # the counter
    d.rectangle(
        (left - 14 * unit, gy - 32 * unit, left - 4 * unit, gy - 20 * unit), fill=(120, 120, 125)
    )  # machine
    d.rectangle(
        (0.05 * w, 0.1 * h, 0.05 * w + 22 * unit, 0.1 * h + 16 * unit), fill=(35, 45, 40)
    )  # menu board
    for k in range(4):
        y = 0.1 * h + (3 + 3 * k) * unit
        d.line(
            (0.05 * w + 3 * unit, y, 0.05 * w + 19 * unit, y),
            fill=(230, 230, 220),
            width=max(1, int(unit / 2)),
        )
    for x in (0.3 * w, 0.7 * w):  # pendant lamps
        d.line((x, 0, x, 0.12 * h), fill=(50, 40, 30), width=max(1, int(unit / 2)))
        d.chord(
            (x - 5 * unit, 0.12 * h - 3 * unit, x + 5 * unit, 0.12 * h + 5 * unit),
            180,
            360,
            fill=(250, 200, 80),
        )
    tx = (right + w) / 2  # a table with a cup
    d.ellipse((tx - 12 * unit, gy - 2 * unit, tx + 12 * unit, gy + 3 * unit), fill=(230, 220, 200))
    d.rectangle((tx - unit, gy + unit, tx + unit, gy + 16 * unit), fill=(60, 45, 35))
    d.rectangle((tx - 2 * unit, gy - 6 * unit, tx + 2 * unit, gy), fill=(250, 250, 250))


def _library(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    spines = [(150, 40, 40), (40, 80, 150), (40, 120, 60), (200, 160, 60), (90, 50, 110), (220, 210, 190)]
    for x0, x1 in ((0.01 * w, left - unit), (right + unit, 0.99 * w)):
        rows = _shelves(d, x0, x1, 0.05 * h, gy + 6 * unit, unit, (80, 50, 30))
        for y in rows:
            x = x0 + unit
            while x < x1 - 2 * unit:
                bw = rng.uniform(1.5, 3) * unit
                bh = rng.uniform(0.6, 0.85) * (rows[1] - rows[0])
                d.rectangle((x, y - unit - bh, x + bw - 0.3 * unit, y - unit), fill=rng.choice(spines))
                x += bw
    d.rectangle(
        (w / 2 - 12 * unit, 0.08 * h, w / 2 + 12 * unit, 0.3 * h),
        fill=(190, 215, 235),
        outline=(80, 50, 30),
        width=max(1, int(unit)),
    )


def _christmas(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    for stripe in range(0, w, max(4, int(12 * unit))):
        d.rectangle((stripe, 0, stripe + 4 * unit, gy), fill=(226, 200, 170))  # striped wallpaper
    wx = 0.06 * w  # a window with snow outside
    d.rectangle(
        (wx, 0.12 * h, wx + 24 * unit, 0.12 * h + 22 * unit),
        fill=(40, 50, 90),
        outline=(250, 250, 250),
        width=max(1, int(unit)),
    )
    for _ in range(12):
        x, y = rng.uniform(wx + unit, wx + 23 * unit), rng.uniform(0.12 * h + unit, 0.12 * h + 21 * unit)
        d.ellipse((x - 0.5 * unit, y - 0.5 * unit, x + 0.5 * unit, y + 0.5 * unit), fill=(255, 255, 255))
    christmas_tree(d, (right + w) / 2, gy + 4 * unit, unit, rng)
    lights = [(230, 40, 40), (250, 210, 40), (40, 110, 230), (50, 160, 80)]
    for k in range(int(w / (6 * unit)) + 1):  # a string of lights along the ceiling
        x = k * 6 * unit
        y = 4 * unit + 2 * unit * abs(((x / (24 * unit)) % 2) - 1)
        d.ellipse((x - unit, y - unit, x + unit, y + unit), fill=lights[k % len(lights)])


def christmas_tree(d: Draw, x: float, base: float, unit: float, rng: random.Random) -> None:
    """A decorated tree (tiers, a gold star, baubles) with presents underneath."""
    d.rectangle((x - 2.5 * unit, base - 8 * unit, x + 2.5 * unit, base), fill=(100, 65, 35))
    for k in range(3):
        y0, y1, half = base - (42 - 11 * k) * unit, base - (24 - 11 * k) * unit, (9 + 4 * k) * unit
        d.polygon([(x, y0 - 6 * unit), (x + half, y1), (x - half, y1)], fill=(30, 120, 55))
    for _ in range(9):
        by = base - rng.uniform(10, 38) * unit
        spread = (base - by) / unit
        bx = x + rng.uniform(-1, 1) * max(1.0, (44 - spread) / 3) * unit
        d.ellipse(
            (bx - 1.3 * unit, by - 1.3 * unit, bx + 1.3 * unit, by + 1.3 * unit),
            fill=rng.choice([(220, 40, 40), (250, 210, 40), (80, 140, 230)]),
        )
    sy = base - 50 * unit
    d.polygon(
        [(x, sy - 3 * unit), (x + 2.5 * unit, sy + 2 * unit), (x - 2.5 * unit, sy + 2 * unit)],
        fill=(250, 210, 40),
    )
    d.polygon(
        [(x, sy + 3.5 * unit), (x + 2.5 * unit, sy - 1.5 * unit), (x - 2.5 * unit, sy - 1.5 * unit)],
        fill=(250, 210, 40),
    )
    for dx, colour in ((-9, (200, 40, 60)), (6, (40, 110, 200))):
        gift(d, x + dx * unit, base, 5 * unit, colour)


def gift(d: Draw, x: float, base: float, size: float, colour: RGB) -> None:
    d.rectangle((x, base - size, x + size, base), fill=colour)
    d.rectangle((x + 0.42 * size, base - size, x + 0.58 * size, base), fill=(250, 210, 40))
    d.rectangle((x, base - 0.58 * size, x + size, base - 0.42 * size), fill=(250, 210, 40))


def _blossoms(
    d: Draw, w: int, h: int, gy: int, unit: float, left: float, right: float, rng: random.Random, sunset: bool
) -> None:
    pinks = [(250, 195, 215), (245, 165, 195), (255, 215, 230)]
    for x in (left * 0.45, left * 0.9, right + (w - right) * 0.3, right + (w - right) * 0.8):
        x += rng.uniform(-3, 3) * unit
        d.rectangle((x - 2 * unit, gy - 24 * unit, x + 2 * unit, gy + 2 * unit), fill=(95, 60, 45))
        for _ in range(7):
            cx, cy = x + rng.uniform(-10, 10) * unit, gy - rng.uniform(26, 40) * unit
            r = rng.uniform(6, 9) * unit
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rng.choice(pinks))
    for _ in range(int(w * gy / (unit * unit * 90))):  # petals in the air
        px, py = rng.uniform(0, w), rng.uniform(0, h * 0.95)
        if abs(px - w / 2) > 20 * unit:
            d.ellipse((px - 0.8 * unit, py - 0.5 * unit, px + 0.8 * unit, py + 0.5 * unit), fill=pinks[1])


_PAINTERS = {
    "beach": _beach,
    "office": _office,
    "kitchen": _kitchen,
    "park": _park,
    "snow": _snow,
    "night": _night,
    "space": _space,
    "city": _city,
    "supermarket": _supermarket,
    "cafe": _cafe,
    "library": _library,
    "christmas": _christmas,
    "blossoms": _blossoms,
}

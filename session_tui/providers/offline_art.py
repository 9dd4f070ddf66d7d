"""Drawing for the offline renderer: a scene, then the character, with Pillow only."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFont

from session_tui.providers.offline_words import RGB, Look

# Pixel sizes Gemini 3 Pro Image documents for 1K; 2K and 4K are 2× and 4×.
BASE_1K: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "2:3": (848, 1264),
    "3:2": (1264, 848),
    "3:4": (896, 1200),
    "4:3": (1200, 896),
    "4:5": (928, 1152),
    "5:4": (1152, 928),
    "9:16": (768, 1376),
    "16:9": (1376, 768),
    "21:9": (1584, 672),
    # Gemini 3.1 Flash Image's tall and wide ratios, at about the same megapixel.
    "1:4": (512, 2048),
    "4:1": (2048, 512),
    "1:8": (352, 2816),
    "8:1": (2816, 352),
}
SCALE = {"512": 0.5, "1K": 1, "2K": 2, "4K": 4}


def pixel_size(aspect_ratio: str, image_size: str) -> tuple[int, int]:
    w, h = BASE_1K[aspect_ratio]
    k = SCALE[image_size]
    return round(w * k), round(h * k)


def _shade(rgb: RGB, f: float) -> RGB:
    return tuple(max(0, min(255, int(c * f))) for c in rgb)  # type: ignore[return-value]


def draw_scene(img: Image.Image, scene: str, rng: random.Random) -> float:
    """Paint the background; return the ground line as a fraction of the height."""
    d = ImageDraw.Draw(img)
    w, h = img.size
    sky, ground, horizon = {
        "beach": ((120, 200, 250), (240, 215, 160), 0.62),
        "office": ((215, 215, 205), (150, 120, 90), 0.70),
        "kitchen": ((245, 240, 225), (200, 190, 170), 0.70),
        "park": ((150, 210, 250), (90, 170, 80), 0.65),
        "snow": ((200, 215, 235), (250, 250, 255), 0.65),
        "night": ((15, 20, 60), (30, 40, 60), 0.72),
        "city": ((170, 190, 215), (110, 110, 120), 0.72),
        "space": ((5, 5, 20), (60, 60, 70), 0.80),
    }.get(scene, ((235, 235, 240), (200, 200, 210), 0.75))
    d.rectangle((0, 0, w, h), fill=sky)
    gy = int(h * horizon)
    d.rectangle((0, gy, w, h), fill=ground)
    unit = min(w, h) / 100
    x: float  # positions are in pixels, fractional where the drawing scales
    y: float
    if scene == "beach":
        d.rectangle((0, int(gy - 8 * unit), w, gy), fill=(40, 120, 200))
        sx = rng.uniform(0.1, 0.9) * w
        d.ellipse((sx - 6 * unit, 6 * unit, sx + 6 * unit, 18 * unit), fill=(255, 220, 80))
    elif scene == "office":
        for i in range(3):
            x = (0.1 + 0.3 * i + rng.uniform(0, 0.05)) * w
            d.rectangle(
                (x, 0.12 * h, x + 0.18 * w, 0.4 * h),
                fill=(170, 200, 230),
                outline=(90, 90, 90),
                width=max(1, int(unit)),
            )
        d.rectangle((0.05 * w, gy - 12 * unit, 0.35 * w, gy), fill=(120, 85, 50))
    elif scene == "kitchen":
        step = max(4, int(8 * unit))
        for y in range(0, gy, step):
            d.line((0, y, w, y), fill=(225, 220, 205), width=max(1, int(unit / 3)))
        d.rectangle((0, gy - 14 * unit, w, gy), fill=(180, 140, 100))
        d.ellipse((0.75 * w, gy - 22 * unit, 0.75 * w + 12 * unit, gy - 14 * unit), fill=(60, 60, 60))
    elif scene == "park":
        for _ in range(rng.randint(2, 4)):
            x = rng.uniform(0.05, 0.95) * w
            if abs(x - w / 2) < 15 * unit:
                x += 30 * unit
            d.rectangle((x - 2 * unit, gy - 20 * unit, x + 2 * unit, gy), fill=(110, 75, 40))
            d.ellipse((x - 11 * unit, gy - 40 * unit, x + 11 * unit, gy - 16 * unit), fill=(40, 130, 60))
    elif scene == "snow":
        for _ in range(int(w * h / (unit * unit * 60))):
            x, y = rng.uniform(0, w), rng.uniform(0, gy)
            r = rng.uniform(0.3, 0.9) * unit
            d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255))
    elif scene in ("night", "space"):
        for _ in range(int(w * h / (unit * unit * 40))):
            x, y = rng.uniform(0, w), rng.uniform(0, gy)
            r = rng.uniform(0.15, 0.45) * unit
            d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 220))
        mx = rng.uniform(0.1, 0.9) * w
        d.ellipse((mx - 7 * unit, 5 * unit, mx + 7 * unit, 19 * unit), fill=(245, 240, 200))
        if scene == "space":
            d.ellipse((0.7 * w, 0.5 * h, 0.7 * w + 20 * unit, 0.5 * h + 20 * unit), fill=(200, 120, 80))
    elif scene == "city":
        x = 0.0
        while x < w:
            bw = rng.uniform(8, 16) * unit
            bh = rng.uniform(20, 45) * unit
            d.rectangle((x, gy - bh, x + bw - unit, gy), fill=_shade((120, 125, 140), rng.uniform(0.8, 1.1)))
            x += bw
    return horizon


def draw_character(img: Image.Image, look: Look, ground: float, rng: random.Random) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    u = min(w, h) / 100 * 0.9  # one unit: the character is about 80 units tall, bow to shoes
    cx = w / 2 + rng.uniform(-6, 6) * u
    # Stand on the ground, but never leave the frame at the top or the bottom.
    feet = max(min(h * ground + 8 * u, h - 4 * u), 82 * u)
    top = feet - 72 * u

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return cx + x0 * u, top + y0 * u, cx + x1 * u, top + y1 * u

    outline = (40, 35, 35)
    lw = max(1, int(u * 0.5))
    # legs and shoes
    for side in (-1, 1):
        d.rectangle(
            box(side * 5 - 2.5, 52, side * 5 + 2.5, 70),
            fill=look.skin if look.bottom_kind == "skirt" else look.bottom,
        )
        d.ellipse(box(side * 5 - 4, 67, side * 5 + 4, 72), fill=(60, 50, 50))
    if look.bottom_kind == "skirt":
        d.polygon(
            [
                (cx - 11 * u, top + 40 * u),
                (cx + 11 * u, top + 40 * u),
                (cx + 16 * u, top + 56 * u),
                (cx - 16 * u, top + 56 * u),
            ],
            fill=look.bottom,
            outline=outline,
        )
    else:
        d.rectangle(box(-10, 40, 10, 56), fill=look.bottom, outline=outline)
    if "backpack" in look.accessories:
        d.rounded_rectangle(
            box(-13, 24, 13, 44), radius=3 * u, fill=look.accessories["backpack"], outline=outline
        )
    # body (hoodie) and arms, with a seeded pose
    d.rounded_rectangle(box(-12, 22, 12, 44), radius=4 * u, fill=look.top, outline=outline, width=lw)
    swing = rng.uniform(-8, 8)
    for side in (-1, 1):
        d.line(
            [(cx + side * 11 * u, top + 25 * u), (cx + side * 19 * u, top + (38 + side * swing) * u)],
            fill=look.top,
            width=int(5 * u),
        )
        d.ellipse(box(side * 19 - 2.5, 36 + side * swing, side * 19 + 2.5, 41 + side * swing), fill=look.skin)
    # hair behind the head
    if look.hair_style in ("long", "ponytail"):
        d.rounded_rectangle(
            box(-12, 4, 12, 30 if look.hair_style == "long" else 22), radius=5 * u, fill=look.hair
        )
    if look.hair_style == "pigtails":
        for side in (-1, 1):
            d.ellipse(
                box(side * 16 - 5, 8, side * 16 + 5, 26),
                fill=look.hair,
                outline=_shade(look.hair, 0.7),
                width=lw,
            )
    # head
    d.ellipse(box(-11, 0, 11, 23), fill=look.skin, outline=outline, width=lw)
    d.chord(box(-12, -2, 12, 14), 180, 360, fill=look.hair)  # fringe
    if look.hair_style == "bun":
        d.ellipse(box(-5, -7, 5, 2), fill=look.hair)
    # face
    for side in (-1, 1):
        d.ellipse(box(side * 4.5 - 2, 11, side * 4.5 + 2, 15.5), fill=look.eyes)
        d.ellipse(box(side * 4.5 - 0.6, 11.5, side * 4.5 + 0.6, 12.7), fill=(255, 255, 255))
        if look.blush:
            d.ellipse(box(side * 7 - 2.2, 16, side * 7 + 2.2, 18), fill=(250, 150, 160))
    d.arc(box(-3, 15, 3, 19.5), 20, 160, fill=(150, 60, 60), width=lw)
    # accessories
    acc = look.accessories
    if "glasses" in acc:
        for side in (-1, 1):
            d.ellipse(box(side * 4.5 - 3.2, 9.8, side * 4.5 + 3.2, 16.5), outline=acc["glasses"], width=lw)
        d.line([(cx - 1.3 * u, top + 13 * u), (cx + 1.3 * u, top + 13 * u)], fill=acc["glasses"], width=lw)
    if "scarf" in acc:
        d.rounded_rectangle(box(-10, 20, 10, 25), radius=2 * u, fill=acc["scarf"], outline=outline)
        d.rectangle(box(4, 23, 8, 33), fill=acc["scarf"], outline=outline)
    if "hat" in acc:
        d.rectangle(box(-13, -2, 13, 1), fill=acc["hat"], outline=outline)
        d.rounded_rectangle(box(-9, -10, 9, -1), radius=2 * u, fill=acc["hat"], outline=outline)
    if "bow" in acc:
        bx = 8 if look.hair_style != "pigtails" else 12
        d.polygon(
            [
                (cx + (bx - 4) * u, top + 1 * u),
                (cx + bx * u, top + 3.5 * u),
                (cx + (bx - 4) * u, top + 6 * u),
            ],
            fill=acc["bow"],
            outline=outline,
        )
        d.polygon(
            [
                (cx + (bx + 4) * u, top + 1 * u),
                (cx + bx * u, top + 3.5 * u),
                (cx + (bx + 4) * u, top + 6 * u),
            ],
            fill=acc["bow"],
            outline=outline,
        )


def caption(img: Image.Image, text: str) -> None:
    """Say what made the picture, so nobody mistakes it for a model's output."""
    d = ImageDraw.Draw(img)
    w, h = img.size
    size = max(10, int(min(w, h) / 48))
    try:
        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.load_default(size=size)
    except (TypeError, OSError):
        font = ImageFont.load_default()
    d.rectangle((0, h - size - 8, w, h), fill=(0, 0, 0))
    d.text((6, h - size - 5), text, fill=(230, 230, 230), font=font)


def render(look: Look, aspect_ratio: str, image_size: str, seed: int, label: str) -> Image.Image:
    rng = random.Random(seed)
    img = Image.new("RGB", pixel_size(aspect_ratio, image_size))
    ground = draw_scene(img, look.scene, rng)
    draw_character(img, look, ground, rng)
    caption(img, label)
    return img

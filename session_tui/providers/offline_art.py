"""Drawing for the offline renderer: a scene, standing props, the character, what she holds."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFont

from session_tui.providers.offline_props import draw_held, draw_standing
from session_tui.providers.offline_scenes import draw_scene, shade
from session_tui.providers.offline_wear import OUTLINE, Pose, draw_apron, draw_behind, draw_worn
from session_tui.providers.offline_words import Look

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


def place(img: Image.Image, ground: float, rng: random.Random) -> tuple[Pose, float]:
    """Where the character stands (seeded), and the height of her feet."""
    w, h = img.size
    u = min(w, h) / 100 * 0.9  # one unit: the character is about 80 units tall, bow to shoes
    cx = w / 2 + rng.uniform(-6, 6) * u
    # Stand on the ground, but never leave the frame at the top or the bottom.
    feet = max(min(h * ground + 8 * u, h - 4 * u), 82 * u)
    return Pose(cx, feet - 72 * u, u, rng.uniform(-8, 8)), feet


def draw_character(img: Image.Image, look: Look, p: Pose) -> None:
    d = ImageDraw.Draw(img)
    u, lw = p.u, p.line
    box = p.box
    # legs and shoes
    for side in (-1, 1):
        d.rectangle(
            box(side * 5 - 2.5, 52, side * 5 + 2.5, 70),
            fill=look.skin if look.bottom_kind == "skirt" else look.bottom,
        )
        d.ellipse(box(side * 5 - 4, 67, side * 5 + 4, 72), fill=(60, 50, 50))
    if look.bottom_kind == "skirt":
        d.polygon(
            [p.at(-11, 40), p.at(11, 40), p.at(16, 56), p.at(-16, 56)],
            fill=look.bottom,
            outline=OUTLINE,
        )
    else:
        d.rectangle(box(-10, 40, 10, 56), fill=look.bottom, outline=OUTLINE)
    draw_behind(d, look, p)
    # body (hoodie) and arms, with a seeded pose
    d.rounded_rectangle(box(-12, 22, 12, 44), radius=4 * u, fill=look.top, outline=OUTLINE, width=lw)
    draw_apron(d, look, p)
    for side in (-1, 1):
        d.line([p.at(side * 11, 25), p.at(side * 19, 38 + side * p.swing)], fill=look.top, width=int(5 * u))
        d.ellipse(
            box(side * 19 - 2.5, 36 + side * p.swing, side * 19 + 2.5, 41 + side * p.swing), fill=look.skin
        )
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
                outline=shade(look.hair, 0.7),
                width=lw,
            )
    # head
    d.ellipse(box(-11, 0, 11, 23), fill=look.skin, outline=OUTLINE, width=lw)
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
    draw_worn(d, look, p)


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
    ground = draw_scene(img, look.scene, look.light, rng)
    pose, feet = place(img, ground, rng)
    draw_standing(img, look, pose, feet, rng)
    draw_character(img, look, pose)
    draw_held(img, look, pose, feet)
    caption(img, label)
    return img

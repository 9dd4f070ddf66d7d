"""A contact sheet: the checkpoints side by side in one PNG, each with its label and score."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CELL = 256  # thumbnail box, pixels
PAD = 12
TEXT_LINES = 2
MAX_COLUMNS = 6
# Fonts with CJK glyphs, tried by file name (Pillow searches the system font folders) when a label needs them.
CJK_FONTS = (
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
    "PingFang.ttc",
    "msyh.ttc",
    "Arial Unicode.ttf",
)


@dataclass(frozen=True)
class Tile:
    image: bytes
    title: str  # e.g. "cp2 beach-blue"
    caption: str  # e.g. "turn 4 · score 72"


def _font(size: int, texts: Sequence[str]) -> Any:
    from PIL import ImageFont

    if any(ord(ch) > 0x2FF for t in texts for ch in t):
        for name in CJK_FONTS:
            try:
                return ImageFont.truetype(name, size)
            except OSError:
                continue
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType
        return ImageFont.load_default()


def _fit(draw: Any, text: str, font: Any, width: int) -> str:
    # One line (Pillow measures no other), and no more than a cell could show: trimming a long
    # label one character at a time is quadratic.
    text = " ".join(text.split())[:200]
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def contact_sheet(tiles: Sequence[Tile], title: str = "") -> bytes:
    """One PNG grid of ``tiles``; each thumbnail keeps its aspect ratio inside a CELL box."""
    from PIL import Image, ImageDraw

    if not tiles:
        raise ValueError("a contact sheet needs at least one picture")
    columns = (
        min(MAX_COLUMNS, len(tiles))
        if len(tiles) <= 3
        else min(MAX_COLUMNS, math.ceil(math.sqrt(len(tiles))))
    )
    rows = math.ceil(len(tiles) / columns)
    size = 15
    line_h = size + 6
    head = line_h + PAD if title else 0
    width = columns * (CELL + PAD) + PAD
    height = head + rows * (CELL + PAD + TEXT_LINES * line_h) + PAD
    sheet = Image.new("RGB", (width, height), (250, 250, 248))
    draw = ImageDraw.Draw(sheet)
    font = _font(size, [title, *(t.title for t in tiles), *(t.caption for t in tiles)])
    if title:
        draw.text((PAD, PAD), _fit(draw, title, font, width - 2 * PAD), fill=(20, 20, 20), font=font)
    for n, tile in enumerate(tiles):
        col, row = n % columns, n // columns
        x = PAD + col * (CELL + PAD)
        y = head + PAD + row * (CELL + PAD + TEXT_LINES * line_h)
        draw.rectangle((x - 1, y - 1, x + CELL, y + CELL), outline=(210, 210, 205))
        try:
            with Image.open(io.BytesIO(tile.image)) as img:
                img.thumbnail((CELL, CELL))
                thumb = img.convert("RGBA")
            sheet.paste(thumb, (x + (CELL - thumb.width) // 2, y + (CELL - thumb.height) // 2), thumb)
        except (OSError, ValueError):
            draw.text((x + PAD, y + CELL // 2), "(picture unreadable)", fill=(160, 40, 40), font=font)
        draw.text((x, y + CELL + 4), _fit(draw, tile.title, font, CELL), fill=(20, 20, 20), font=font)
        draw.text(
            (x, y + CELL + 4 + line_h), _fit(draw, tile.caption, font, CELL), fill=(90, 90, 90), font=font
        )
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue()

"""What the score looks at in one image, computed on a small copy.

A picture's ``images.small_copy`` (made once, by whatever decoded the picture) is reduced to three
things: the distinct colours of a ``WORK_SIDE`` sample in CIELAB with their shares (for palette
adherence), a coarse CIELAB histogram (for colour similarity) and a 64-bit perceptual hash (for
layout similarity).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

from session_tui.images import shrink, small_copy
from session_tui.scoring.colour import Lab, srgb_to_lab

FEATURES_VERSION = 2
# Colour work happens on at most 32×32 = 1024 pixels: every distinct colour is compared with every
# palette colour in CIEDE2000, in Python, and at 64×64 that alone took 10 to 20 ms a turn, for a
# separation no better (docs/SCORING.md).
WORK_SIDE = 32
HASH_SIDE = 32  # the perceptual hash reads a 32×32 grey copy
# CIELAB histogram: lightness in 5 bands, a* and b* in 5 bands each, centred on neutral so greys
# do not straddle a boundary.
L_EDGES = (20.0, 40.0, 60.0, 80.0)
AB_EDGES = (-48.0, -16.0, 16.0, 48.0)
BINS = (len(L_EDGES) + 1) * (len(AB_EDGES) + 1) ** 2


@dataclass(frozen=True)
class Features:
    histogram: tuple[float, ...]  # BINS shares summing to 1
    phash: int  # 64 bits
    colours: tuple[tuple[Lab, float], ...] = ()  # distinct colours and their shares; not cached

    def to_json(self) -> dict[str, Any]:
        return {"version": FEATURES_VERSION, "histogram": [round(v, 6) for v in self.histogram],
                "phash": f"{self.phash:016x}"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features | None:
        """The cached form, or None when it is from another version or malformed."""
        try:
            if data.get("version") != FEATURES_VERSION:
                return None
            hist = tuple(float(v) for v in data["histogram"])
            if len(hist) != BINS:
                return None
            return cls(histogram=hist, phash=int(data["phash"], 16))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def _bin(edges: tuple[float, ...], value: float) -> int:
    for i, edge in enumerate(edges):
        if value < edge:
            return i
    return len(edges)


def histogram_bin(lab: Lab) -> int:
    n = len(AB_EDGES) + 1
    return (_bin(L_EDGES, lab[0]) * n + _bin(AB_EDGES, lab[1])) * n + _bin(AB_EDGES, lab[2])


def open_small(data: bytes) -> Any:
    """Decode ``data`` in full and return its ``images.small_copy``; raises whatever Pillow raises."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        return small_copy(opened)


def perceptual_hash(grey_pixels: list[int], side: int = HASH_SIDE) -> int:
    """pHash: the signs of the lowest 8×8 DCT coefficients of a 32×32 grey image against their median."""
    k = 8
    cos = [[math.cos((2 * x + 1) * u * math.pi / (2 * side)) for x in range(side)] for u in range(k)]
    rows = [grey_pixels[y * side:(y + 1) * side] for y in range(side)]
    partial = [[sum(p * c for p, c in zip(row, cos[u], strict=True)) for u in range(k)] for row in rows]
    coeffs = [sum(cos[v][y] * partial[y][u] for y in range(side)) for v in range(k) for u in range(k)]
    median = sorted(coeffs)[len(coeffs) // 2 - 1: len(coeffs) // 2 + 1]
    threshold = (median[0] + median[1]) / 2
    bits = 0
    for c in coeffs:
        bits = (bits << 1) | (1 if c > threshold else 0)
    return bits


def image_features(data: bytes) -> Features:
    """Decode ``data`` and compute its features; raises whatever Pillow raises for broken images."""
    return small_features(open_small(data))


def small_features(small: Any) -> Features:
    """The features of a picture's ``images.small_copy``."""
    from PIL import Image

    work = shrink(small, WORK_SIDE)
    total = work.width * work.height
    counts = work.getcolors(total) or []
    hist = [0.0] * BINS
    colours: list[tuple[Lab, float]] = []
    for count, rgb in counts:
        lab = srgb_to_lab(rgb)
        share = count / total
        hist[histogram_bin(lab)] += share
        colours.append((lab, share))
    grey = small.convert("L").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX)
    phash = perceptual_hash(list(grey.tobytes()))
    return Features(histogram=tuple(hist), phash=phash, colours=tuple(colours))


def histogram_similarity(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Histogram intersection: the share of colour mass the two images have in common (0 to 1)."""
    return min(1.0, sum(min(x, y) for x, y in zip(a, b, strict=True)))


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()

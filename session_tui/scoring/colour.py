"""Colour science for the score, in pure Python: sRGB to CIELAB (D65) and the CIEDE2000 difference.

Single colours go through here (a palette's, a colour name's prototypes), in plain floats;
``pixels.py`` does the same sums on whole arrays of pixels with numpy. What keeps this fast is
doing less: a table for the sRGB curve, angles in radians, and ``shares_within`` skipping every
colour whose lightness alone rules it out.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import cache

RGB = tuple[int, int, int]
Lab = tuple[float, float, float]

# D65 reference white, the white point of sRGB.
_XN, _YN, _ZN = 0.95047, 1.0, 1.08883
_EPSILON, _KAPPA = 216 / 24389, 24389 / 27
_POW7_25 = 25.0**7
_TAU = 2 * math.pi
_DEG = math.pi / 180
# The lightness weight S_L of CIEDE2000 is largest at the ends of the L* range: 1 + 0.015 * 50² /
# sqrt(20 + 50²). ΔE00 is never below |ΔL*| / S_L (the other terms add a non-negative amount, as
# |R_T| < 2), so a colour further than threshold * S_L_MAX in L* cannot be within the threshold.
S_L_MAX = 1 + 0.015 * 2500 / math.sqrt(2520)


def hex_to_rgb(colour: str) -> RGB:
    """``#RRGGBB`` (as CharacterSpec stores it) to an (r, g, b) tuple."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@cache
def _linear_table() -> tuple[float, ...]:
    """The sRGB transfer curve undone, for each 8-bit value."""

    def linear(channel: int) -> float:
        c = channel / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return tuple(linear(v) for v in range(256))


def _f(t: float) -> float:
    return t ** (1.0 / 3.0) if t > _EPSILON else (_KAPPA * t + 16) / 116


def srgb_to_lab(rgb: Sequence[int]) -> Lab:
    """CIELAB (D65) of an 8-bit sRGB colour."""
    table = _linear_table()
    r, g, b = table[rgb[0]], table[rgb[1]], table[rgb[2]]
    fx = _f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / _XN)
    fy = _f((0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / _YN)
    fz = _f((0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / _ZN)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e_2000(lab1: Lab, lab2: Lab) -> float:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal 2005), with kL = kC = kH = 1.

    About 1 is the smallest difference people notice side by side; about 10 is "clearly another
    shade of the same colour".
    """
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar7 = ((math.hypot(a1, b1) + math.hypot(a2, b2)) / 2) ** 7
    g1 = 1.5 - 0.5 * math.sqrt(c_bar7 / (c_bar7 + _POW7_25))  # 1 + G
    a1p, a2p = g1 * a1, g1 * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.atan2(b1, a1p) % _TAU if c1p else 0.0
    h2p = math.atan2(b2, a2p) % _TAU if c2p else 0.0

    product = c1p * c2p
    if product == 0:
        dhp = 0.0
        hp_bar = h1p + h2p
    else:
        dhp = h2p - h1p
        if dhp > math.pi:
            dhp -= _TAU
        elif dhp < -math.pi:
            dhp += _TAU
        if abs(h1p - h2p) <= math.pi:
            hp_bar = (h1p + h2p) / 2
        elif h1p + h2p < _TAU:
            hp_bar = (h1p + h2p + _TAU) / 2
        else:
            hp_bar = (h1p + h2p - _TAU) / 2
    dHp = 2 * math.sqrt(product) * math.sin(dhp / 2)

    cos = math.cos
    t = (
        1
        - 0.17 * cos(hp_bar - 30 * _DEG)
        + 0.24 * cos(2 * hp_bar)
        + 0.32 * cos(3 * hp_bar + 6 * _DEG)
        - 0.20 * cos(4 * hp_bar - 63 * _DEG)
    )
    d_theta = 30 * _DEG * math.exp(-(((hp_bar / _DEG - 275) / 25) ** 2))
    cp_bar = (c1p + c2p) / 2
    cp_bar7 = cp_bar**7
    r_c = 2 * math.sqrt(cp_bar7 / (cp_bar7 + _POW7_25))
    lp = ((l1 + l2) / 2 - 50) ** 2
    x = (l2 - l1) / (1 + 0.015 * lp / math.sqrt(20 + lp))
    y = (c2p - c1p) / (1 + 0.045 * cp_bar)
    z = dHp / (1 + 0.015 * cp_bar * t)
    return math.sqrt(x * x + y * y + z * z - math.sin(2 * d_theta) * r_c * y * z)


def shares_within(
    colours: Iterable[tuple[Lab, float]], targets: Sequence[Lab], threshold: float
) -> list[float]:
    """For each target, the summed share of the colours within ΔE00 ``threshold`` of it.

    Exactly what testing every pair gives; colours are sorted by lightness once, so each target
    only looks at those whose L* leaves it a chance (see S_L_MAX).
    """
    rows = sorted(colours)
    lightness = [lab[0] for lab, _ in rows]
    reach = threshold * S_L_MAX + 1e-9  # the margin only ever lets a colour in to be tested
    out = []
    for target in targets:
        start, end = bisect_left(lightness, target[0] - reach), bisect_right(lightness, target[0] + reach)
        out.append(sum(share for lab, share in rows[start:end] if delta_e_2000(lab, target) <= threshold))
    return out

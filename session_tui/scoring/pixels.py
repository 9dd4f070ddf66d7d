"""The colour science of ``colour.py`` on whole arrays, for the character region's thousands of pixels.

``colour.py`` works on single colours in plain Python (a palette, a keep rule); here numpy does the
same sums for every pixel of the 64-pixel working copy at once. The constants are the same, so a
pixel's CIELAB here equals ``colour.srgb_to_lab`` of it to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from session_tui.scoring.colour import Lab

# sRGB (linear) to XYZ, each row divided by the D65 white (the white point of sRGB).
_TO_XYZ = np.array(
    [
        [0.4124564 / 0.95047, 0.3575761 / 0.95047, 0.1804375 / 0.95047],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339 / 1.08883, 0.1191920 / 1.08883, 0.9503041 / 1.08883],
    ]
)
_EPSILON, _KAPPA = 216 / 24389, 24389 / 27


@cache
def _linear_lut() -> np.ndarray:
    c = np.arange(256) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab_array(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of an ``(..., 3)`` array of 8-bit sRGB, as float64."""
    xyz = _linear_lut()[rgb] @ _TO_XYZ.T
    f = np.where(xyz > _EPSILON, np.cbrt(xyz), (_KAPPA * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1
    )


def lab_to_hex(lab: Sequence[float]) -> str:
    """The ``#RRGGBB`` nearest to a CIELAB colour (out-of-gamut channels are clipped)."""
    lightness, a, b = (float(v) for v in lab)
    fy = (lightness + 16) / 116
    f = np.array([fy + a / 500, fy, fy - b / 200])
    xyz = np.where(f**3 > _EPSILON, f**3, (116 * f - 16) / _KAPPA)
    linear = np.clip(np.linalg.solve(_TO_XYZ, xyz), 0, 1)
    srgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    r, g, b_ = (round(float(v) * 255) for v in np.clip(srgb, 0, 1))
    return f"#{r:02X}{g:02X}{b_:02X}"


def delta_e_2000_array(lab: np.ndarray, target: Lab) -> np.ndarray:
    """CIEDE2000 between every row of an ``(N, 3)`` CIELAB array and one colour (kL = kC = kH = 1).

    The same formula as ``colour.delta_e_2000``, written on arrays.
    """
    l1, a1, b1 = lab[:, 0], lab[:, 1], lab[:, 2]
    l2, a2, b2 = (float(v) for v in target)
    c_bar7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2) ** 7
    g1 = 1.5 - 0.5 * np.sqrt(c_bar7 / (c_bar7 + 25.0**7))
    a1p, a2p = g1 * a1, g1 * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where(c1p > 0, np.arctan2(b1, a1p) % (2 * np.pi), 0.0)
    h2p = np.where(c2p > 0, np.arctan2(b2, a2p) % (2 * np.pi), 0.0)
    product = c1p * c2p
    dhp = h2p - h1p
    dhp = np.where(dhp > np.pi, dhp - 2 * np.pi, np.where(dhp < -np.pi, dhp + 2 * np.pi, dhp))
    dhp = np.where(product == 0, 0.0, dhp)
    total = h1p + h2p
    hp_bar = np.where(
        np.abs(h1p - h2p) <= np.pi,
        total / 2,
        np.where(total < 2 * np.pi, (total + 2 * np.pi) / 2, (total - 2 * np.pi) / 2),
    )
    hp_bar = np.where(product == 0, total, hp_bar)
    d_hp = 2 * np.sqrt(product) * np.sin(dhp / 2)
    deg = np.pi / 180
    t = (
        1
        - 0.17 * np.cos(hp_bar - 30 * deg)
        + 0.24 * np.cos(2 * hp_bar)
        + 0.32 * np.cos(3 * hp_bar + 6 * deg)
        - 0.20 * np.cos(4 * hp_bar - 63 * deg)
    )
    d_theta = 30 * deg * np.exp(-(((hp_bar / deg - 275) / 25) ** 2))
    cp_bar = (c1p + c2p) / 2
    r_c = 2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    lp = ((l1 + l2) / 2 - 50) ** 2
    x = (l2 - l1) / (1 + 0.015 * lp / np.sqrt(20 + lp))
    y = (c2p - c1p) / (1 + 0.045 * cp_bar)
    z = d_hp / (1 + 0.015 * cp_bar * t)
    return np.sqrt(np.maximum(x * x + y * y + z * z - np.sin(2 * d_theta) * r_c * y * z, 0.0))


def box_blur(values: np.ndarray, radius: int) -> np.ndarray:
    """The mean over each pixel's ``(2 radius + 1)²`` neighbourhood, edges repeated (summed-area table)."""
    k = 2 * radius + 1
    padded = np.pad(values, radius, mode="edge")
    table = np.pad(padded, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    return (table[k:, k:] - table[:-k, k:] - table[k:, :-k] + table[:-k, :-k]) / (k * k)

"""What the score keeps of one picture: descriptors of the character region, not of the whole scene.

A picture's ``images.small_copy`` (made once, by whatever decoded the picture) is box-filtered to
``SEG_SIDE`` pixels a side; ``region.segment`` finds the character on it and
``descriptors.describe`` measures that region. The numbers are rounded when they are made, so a
reference's features read back from the cache are exactly those computed now.

numpy is imported by the functions that compute, never by this module: the TUI imports
``score.format_score``, which must not cost numpy's import.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from session_tui.media.images import shrink, small_copy
from session_tui.scoring.colour import Lab

FEATURES_VERSION = 3  # 3: descriptors of the character region (2: whole-picture histogram and hash)
_DIGITS = 6
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _rounded(values: Any) -> tuple[float, ...]:
    return tuple(round(float(v), _DIGITS) for v in values)


@dataclass(frozen=True)
class Features:
    """Descriptors of a picture's character region (descriptors.py says what each one is)."""

    histogram: tuple[float, ...]
    hue: tuple[float, ...]
    texture: tuple[float, ...]
    orientation: tuple[float, ...]
    shape: tuple[float, ...]
    zones: tuple[tuple[float, ...], ...]  # ZONES × NAMES shares
    colours: tuple[tuple[Lab, float], ...]  # the region's colours and their shares
    region_share: float  # how much of the picture the character covers (its weights' mean)
    found: bool  # False when no region stood out and the whole picture was described

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FEATURES_VERSION,
            "histogram": list(self.histogram),
            "hue": list(self.hue),
            "texture": list(self.texture),
            "orientation": list(self.orientation),
            "shape": list(self.shape),
            "zones": [list(z) for z in self.zones],
            "colours": [[*lab, share] for lab, share in self.colours],
            "region_share": self.region_share,
            "found": self.found,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features | None:
        """The cached form, or None when it is from another version or malformed."""
        from session_tui.scoring import descriptors as d
        from session_tui.scoring.keep_colours import NAMES, ZONES

        try:
            if data.get("version") != FEATURES_VERSION:
                return None
            features = cls(
                histogram=_rounded(data["histogram"]),
                hue=_rounded(data["hue"]),
                texture=_rounded(data["texture"]),
                orientation=_rounded(data["orientation"]),
                shape=_rounded(data["shape"]),
                zones=tuple(_rounded(z) for z in data["zones"]),
                colours=tuple(
                    ((float(c[0]), float(c[1]), float(c[2])), round(float(c[3]), _DIGITS))
                    for c in data["colours"]
                ),
                region_share=round(float(data["region_share"]), _DIGITS),
                found=bool(data["found"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None
        sizes = (len(features.histogram), len(features.hue), len(features.texture), len(features.orientation))
        if sizes != (d.HISTOGRAM_BINS, d.HUE_BINS, d.TEXTURE_BINS, d.ORIENTATION_BINS):
            return None
        if len(features.shape) != d.SHAPE_SIZE or len(features.zones) != len(ZONES):
            return None
        if any(len(z) != len(NAMES) for z in features.zones):
            return None
        return features


def open_small(data: bytes) -> Any:
    """Decode ``data`` in full and return its ``images.small_copy``; raises whatever Pillow raises."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        return small_copy(opened)


def _alpha(data: bytes) -> Any:
    """The alpha channel of ``data`` shrunk as its small copy is, or None when it has none.

    Only pictures whose mode has transparency are decoded here (a second time); for the rest
    opening reads the header alone.
    """
    from PIL import Image, ImageOps

    from session_tui.media.images import SMALL_SIDE
    from session_tui.scoring.region import SEG_SIDE

    with Image.open(io.BytesIO(data)) as opened:
        if opened.mode not in _ALPHA_MODES and not (opened.mode == "P" and "transparency" in opened.info):
            return None
        opened.load()
        img = ImageOps.exif_transpose(opened) if opened.getexif().get(0x0112, 1) in range(2, 9) else opened
        return shrink(shrink(img.convert("RGBA").getchannel("A"), SMALL_SIDE), SEG_SIDE)


def image_features(data: bytes) -> Features:
    """Decode ``data`` and compute its features; raises whatever Pillow raises for broken images.

    A picture with transparency has its alpha channel taken as the character's outline.
    """
    return small_features(open_small(data), alpha=_alpha(data))


def small_features(small: Any, alpha: Any = None) -> Features:
    """The features of a picture's ``images.small_copy`` (``alpha``: its shrunk alpha channel, if any)."""
    import numpy as np

    from session_tui.scoring.descriptors import describe
    from session_tui.scoring.pixels import lab_array
    from session_tui.scoring.region import SEG_SIDE, character_weights, segment

    work = shrink(small if small.mode == "RGB" else small.convert("RGB"), SEG_SIDE)
    lab = lab_array(np.asarray(work))
    mask = None
    if alpha is not None and alpha.size == work.size:
        mask = np.asarray(alpha, dtype=np.float64) / 255.0
    weights, found = character_weights(segment(lab, mask))
    d = describe(lab, weights)
    return Features(
        histogram=_rounded(d["histogram"]),
        hue=_rounded(d["hue"]),
        texture=_rounded(d["texture"]),
        orientation=_rounded(d["orientation"]),
        shape=_rounded(d["shape"]),
        zones=tuple(_rounded(z) for z in d["zones"]),
        colours=tuple((lab_, round(share, _DIGITS)) for lab_, share in d["colours"]),
        region_share=round(float(weights.mean()), _DIGITS),
        found=found,
    )

"""Image facts and conversions with Pillow, with bounded memory and one-sentence refusals."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from session_tui.errors import InvalidInput

MIME_BY_FORMAT = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
EXT_BY_MIME = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}
# Far above a 4K image (5504×3072 ≈ 17 MP) yet small enough that decoding cannot exhaust memory.
MAX_PIXELS = 64_000_000


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int
    frames: int = 1


def inspect_image(data: bytes, what: str = "The image") -> ImageInfo:
    """Check that ``data`` is an image we can keep, without decoding its pixels."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise InvalidInput(f"{what} is empty (0 bytes).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format or ""
                width, height = img.size
                frames = getattr(img, "n_frames", 1)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(f"{what} is not an image format session-tui can read (PNG, JPEG, WebP, GIF).") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidInput(f"{what} could not be read: {exc}.") from None
    if fmt not in MIME_BY_FORMAT:
        raise InvalidInput(f"{what} is {fmt or 'an unknown format'}; use PNG, JPEG, WebP or GIF.")
    if width * height > MAX_PIXELS:
        raise InvalidInput(f"{what} is {width}×{height} pixels, larger than the {MAX_PIXELS // 1_000_000} MP limit.")
    return ImageInfo(MIME_BY_FORMAT[fmt], width, height, frames)


def verify_decodes(data: bytes, what: str = "The image") -> None:
    """Decode fully, to catch truncated files that open but do not load."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception as exc:  # Pillow raises many types for broken data
        raise InvalidInput(f"{what} is damaged and does not decode ({exc}).") from None

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
# Larger images are refused (a 60 MP photo is well below); user files have the same limit.
MAX_IMAGE_BYTES = 100 * 2**20


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
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(f"{what} is {len(data) / 2**20:.0f} MiB, larger than the "
                           f"{MAX_IMAGE_BYTES // 2**20} MiB limit for one image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format or ""
                width, height = img.size
                frames = getattr(img, "n_frames", 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses before decoding; the header alone claims more pixels than memory allows.
        raise InvalidInput(f"{what} is too large to open safely (it claims far more than the "
                           f"{MAX_PIXELS // 1_000_000} MP limit).") from None
    except UnidentifiedImageError:
        raise InvalidInput(f"{what} is not an image format session-tui can read (PNG, JPEG, WebP, GIF).") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidInput(f"{what} is damaged and cannot be read ({exc}).") from None
    if fmt not in MIME_BY_FORMAT:
        raise InvalidInput(f"{what} is {fmt or 'an unknown format'}; use PNG, JPEG, WebP or GIF.")
    if width * height > MAX_PIXELS:
        raise InvalidInput(f"{what} is {width}×{height} pixels, larger than the {MAX_PIXELS // 1_000_000} MP limit.")
    if frames > 1:
        # Which frame a model would look at is anyone's guess: refuse rather than pick silently.
        raise InvalidInput(f"{what} is animated ({frames} frames); session-tui keeps still images, so save the "
                           "frame you want as a PNG and use that.")
    return ImageInfo(MIME_BY_FORMAT[fmt], width, height, frames)


# Modes a PNG can hold; anything else (CMYK, YCbCr, ...) is converted when a picture is re-encoded.
_PNG_MODES = {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}


def upright(data: bytes) -> bytes:
    """``data`` itself, or, if it carries an EXIF orientation, the picture turned upright as a PNG.

    Services and viewers disagree on whether they honour the tag; turning it once, when the image
    is stored, means the model, the TUI and exports all see the same picture. Call after
    ``inspect_image`` has accepted ``data``.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and b"eXIf" not in data and b"Raw profile type exif" not in data:
        # A PNG carries EXIF only in those chunks, and Pillow decodes every pixel to look for them.
        return data
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as img:
            orientation = img.getexif().get(0x0112, 1)
            if not isinstance(orientation, int) or not 2 <= orientation <= 8:
                return data
            turned = ImageOps.exif_transpose(img)
            if turned.mode not in _PNG_MODES:
                turned = turned.convert("RGBA" if "A" in turned.mode else "RGB")
            out = io.BytesIO()
            turned.save(out, format="PNG")
            return out.getvalue()
    except Exception:  # noqa: BLE001 - a tag Pillow cannot apply: keep the bytes as they are
        return data


def verify_decodes(data: bytes, what: str = "The image") -> None:
    """Decode fully, to catch truncated files that open but do not load."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception as exc:  # Pillow raises many types for broken data
        raise InvalidInput(f"{what} is damaged and does not decode ({exc}).") from None

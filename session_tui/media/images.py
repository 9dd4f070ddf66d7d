"""Image facts and conversions with Pillow, with bounded memory and one-sentence refusals."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from session_tui.errors import InvalidInput

MIME_BY_FORMAT = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
EXT_BY_MIME = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}
# Far above a 4K image (5504×3072 ≈ 17 MP) yet small enough that decoding cannot exhaust memory.
MAX_PIXELS = 64_000_000
# Larger images are refused (a 60 MP photo is well below); user files have the same limit.
MAX_IMAGE_BYTES = 100 * 2**20
# The consistency score's copy of a picture (see small_copy): enough for its 32×32 colour sample and
# hash, small enough to keep for the moment between checking an answer and scoring it.
SMALL_SIDE = 256


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
        raise InvalidInput(
            f"{what} is {len(data) / 2**20:.0f} MiB, larger than the "
            f"{MAX_IMAGE_BYTES // 2**20} MiB limit for one image."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format or ""
                width, height = img.size
                frames = getattr(img, "n_frames", 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses before decoding; the header alone claims more pixels than memory allows.
        raise InvalidInput(
            f"{what} is too large to open safely (it claims far more than the "
            f"{MAX_PIXELS // 1_000_000} MP limit)."
        ) from None
    except UnidentifiedImageError:
        raise InvalidInput(
            f"{what} is not an image format session-tui can read (PNG, JPEG, WebP, GIF)."
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidInput(f"{what} is damaged and cannot be read ({exc}).") from None
    except (MemoryError, RecursionError):
        raise InvalidInput(f"{what} is damaged and cannot be read (it is built to exhaust memory).") from None
    except Exception as exc:  # a decoder's own bug (TypeError: Missing dimensions, …) is a refusal too
        raise InvalidInput(
            f"{what} is damaged and cannot be read ({type(exc).__name__}: {_one_line(exc)})."
        ) from None
    if fmt not in MIME_BY_FORMAT:
        raise InvalidInput(f"{what} is {fmt or 'an unknown format'}; use PNG, JPEG, WebP or GIF.")
    if width * height > MAX_PIXELS:
        raise InvalidInput(
            f"{what} is {width}×{height} pixels, larger than the {MAX_PIXELS // 1_000_000} MP limit."
        )
    if frames > 1:
        # Which frame a model would look at is anyone's guess: refuse rather than pick silently.
        raise InvalidInput(
            f"{what} is animated ({frames} frames); session-tui keeps still images, so save the "
            "frame you want as a PNG and use that."
        )
    return ImageInfo(MIME_BY_FORMAT[fmt], width, height, frames)


# Modes a PNG can hold; anything else (CMYK, YCbCr, ...) is converted when a picture is re-encoded.
_PNG_MODES = {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or "no detail"


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
    except Exception:
        return data


def verify_decodes(data: bytes, what: str = "The image", *, small: bool = False) -> Any:
    """Decode fully, to catch truncated files that open but do not load.

    With ``small``, return the picture's ``small_copy`` (None if it cannot be made), so whoever
    checks an image also hands the score its pixels: a 1K PNG takes longer to decode than all of
    the rest of a turn's own work.
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if not small:
                return None
            try:
                return small_copy(img)
            except Exception:
                return None
    except Exception as exc:  # Pillow raises many types for broken data
        raise InvalidInput(f"{what} is damaged and does not decode ({exc}).") from None


def small_copy(img: Any) -> Any:
    """The copy of a decoded picture the consistency score reads: upright, RGB with transparency
    laid on white, at most SMALL_SIDE pixels a side (box filter).

    Every path to the score goes through here with the whole picture decoded (never JPEG's
    reduced-scale draft), so a turn's stored score is what ``session-tui score`` computes again.
    """
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EXIF oddities are not the score's business
        if img.getexif().get(0x0112, 1) in range(2, 9):  # exif_transpose copies even an upright picture
            img = ImageOps.exif_transpose(img)
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    mode = "RGBA" if alpha else "RGB"
    small = img if img.mode == mode else img.convert(mode)
    small = shrink(small, SMALL_SIDE)
    if mode == "RGBA":
        flat = Image.new("RGB", small.size, (255, 255, 255))
        flat.paste(small, mask=small.getchannel("A"))
        return flat
    return small.copy() if small is img else small


def shrink(img: Any, side: int) -> Any:
    """``img`` box-filtered to at most ``side`` pixels on its long side, keeping its ratio (``img``
    itself when it is that small already). RGB, RGBA or L only."""
    from PIL import Image

    factor = max(img.size) // side
    if factor > 1:
        img = img.reduce(factor)  # averages whole blocks, in C: four times faster than a box resize
    if max(img.size) > side:
        width, height = img.size
        scale = side / max(width, height)
        img = img.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
    return img

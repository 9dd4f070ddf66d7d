"""Fit a request's input images into the profile's request budget without dropping any.

Images are re-encoded, then scaled down step by step, least important first (older turns before
references, references before the image being edited), until the whole request fits. Originals on
disk are never touched: only the bytes sent change, and each image records what was done to it.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from session_tui.errors import Cancelled, ProviderError
from session_tui.providers.base import InputImage
from session_tui.providers.input_cache import InputCache, Scaled

MIN_SIDE = 384  # below this a character reference stops being useful
# Services scale larger inputs down before the model sees them (OpenAI fits images into 2048×2048,
# Gemini caps the tokens an image gets), so pixels beyond this cost bytes and time and add nothing.
USEFUL_SIDE = 2048
SCALE_STEP = 0.75
JPEG_QUALITY = 88
PER_IMAGE_OVERHEAD = 200  # JSON or multipart framing around each image
GEMINI_MIMES = ("image/png", "image/jpeg", "image/webp")
OPENAI_MIMES = ("image/png", "image/jpeg", "image/webp", "image/gif")
# How soon an input gives up quality: the image being edited matters most.
PRIORITY = {"history": 0, "reference": 1, "last": 2}


@dataclass
class Prepared:
    """One input image as it will be sent."""

    data: bytes
    mime: str
    sha256: str  # of the original, as stored in the session
    role: str  # "reference", "last" (the image being edited) or "history"
    label: str
    width: int
    height: int
    changed: str = ""  # what was done to fit, e.g. "re-encoded as JPEG, scaled to 768×768"

    def info(self) -> dict[str, Any]:
        """Compact, as every turn journals one per input: the image is named by the short hash the
        UI shows (the turn's ``input_images`` has the full ones). An image sent as stored says no
        more, since its format and size are the stored image's; a changed one says what was sent."""
        doc: dict[str, Any] = {"role": self.role, "image": self.sha256[:12]}
        if self.changed:
            doc.update(
                mime=self.mime,
                width=self.width,
                height=self.height,
                bytes=len(self.data),
                changed=self.changed,
            )
        return doc


def b64_len(n: int) -> int:
    return 4 * ((n + 2) // 3)


def _scaled_note(mime: str, width: int, height: int) -> str:
    what = "WebP" if mime == "image/webp" else "JPEG"
    return f"re-encoded as {what}, scaled to {width}×{height} (the most the model uses)"


class _Item:
    def __init__(self, image: InputImage, role: str, scaled: Scaled | None = None) -> None:
        self.image = image
        self.role = role
        self.reencoded = False
        self.floor = False
        self._decoded: Any = None
        self._source: bytes | None = None  # what to decode from once the original is let go
        if scaled is not None:  # the copy an earlier turn scaled: the original is not even read
            self.prepared = Prepared(
                scaled.data,
                scaled.mime,
                image.sha256,
                role,
                image.label,
                scaled.width,
                scaled.height,
                _scaled_note(scaled.mime, scaled.width, scaled.height),
            )
            self.reencoded, self._source = True, scaled.data
            return
        data = image.data
        self.prepared = Prepared(
            data, image.mime, image.sha256, role, image.label, image.ref.width, image.ref.height
        )

    def cost(self, as_base64: bool) -> int:
        n = len(self.prepared.data)
        return (b64_len(n) if as_base64 else n) + PER_IMAGE_OVERHEAD

    def decoded(self) -> Any:
        if self._decoded is None:
            from PIL import Image

            try:
                source = self._source if self._source is not None else self.image.data
                with Image.open(io.BytesIO(source)) as img:
                    img.load()
                    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
                    self._decoded = img.convert("RGBA" if has_alpha else "RGB")
            except Exception as exc:
                raise ProviderError(
                    f"Input image {self.image.sha256[:12]} ({self.role}) does not decode, so it "
                    f"cannot be prepared for sending ({exc})."
                ) from None
        return self._decoded

    def _encode(self, img: Any, note: str) -> None:
        out = io.BytesIO()
        if img.mode == "RGBA":
            img.save(out, format="WEBP", quality=JPEG_QUALITY)  # keeps transparency
            mime, what = "image/webp", "WebP"
        else:
            img.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            mime, what = "image/jpeg", "JPEG"
        p = self.prepared
        p.data, p.mime, (p.width, p.height) = out.getvalue(), mime, img.size
        p.changed = f"re-encoded as {what}{note}"

    def cap(self, side: int, cache: InputCache | None = None) -> None:
        """Scale down to ``side`` on the long side, if larger; the full-size pixels are let go at once."""
        p = self.prepared
        known = max(p.width, p.height)
        if known and known <= side:
            return  # small by its record: not even decoded
        img = self.decoded()
        if max(img.size) <= side:
            return
        from PIL import Image

        ratio = side / max(img.size)
        size = (max(1, round(img.width * ratio)), max(1, round(img.height * ratio)))
        self._encode(img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0), "")
        p.changed = _scaled_note(p.mime, p.width, p.height)
        self.reencoded = True
        if cache is not None:
            cache.put(p.sha256, side, JPEG_QUALITY, Scaled(p.data, p.mime, p.width, p.height))
        # Fourteen 4K references would hold over a gigabyte of pixels and bytes: keep only the
        # scaled copy's bytes, which later steps decode again if they must shrink further.
        self._decoded, self._source = None, p.data
        self.image.release()

    def convert(self, accepted: tuple[str, ...]) -> None:
        """Re-encode losslessly when the service does not take this format (e.g. GIF for Gemini)."""
        if self.prepared.mime in accepted:
            return
        img = self.decoded()
        out = io.BytesIO()
        img.save(out, format="PNG")
        p = self.prepared
        old = p.mime.split("/")[-1].upper()
        p.data, p.mime, (p.width, p.height) = out.getvalue(), "image/png", img.size
        p.changed = f"converted from {old} to PNG"

    def shrink(self) -> None:
        """One step smaller: first re-encode at full size, then scale down."""
        img = self.decoded()
        if not self.reencoded:
            self.reencoded = True
            p = self.prepared
            before = (p.data, p.mime, p.width, p.height, p.changed)
            self._encode(img, "")
            if len(p.data) < len(before[0]):
                return
            p.data, p.mime, p.width, p.height, p.changed = (
                before  # re-encoding did not help: keep the original
            )
        long_side = max(self.prepared.width, self.prepared.height) or max(img.size)
        target = int(long_side * SCALE_STEP)
        if target < MIN_SIDE:
            self.floor = True
            return
        ratio = target / max(img.size)
        size = (max(1, round(img.width * ratio)), max(1, round(img.height * ratio)))
        from PIL import Image

        self._encode(img.resize(size, Image.Resampling.LANCZOS), f", scaled to {size[0]}×{size[1]}")
        if self._source is not None:
            self._decoded = None  # decoded again from the capped copy if needed: memory stays flat


def fit(
    inputs: Iterable[tuple[InputImage, str]],
    *,
    budget_bytes: int,
    fixed_bytes: int,
    service: str,
    as_base64: bool = True,
    accepted: tuple[str, ...] = OPENAI_MIMES,
    cancel: threading.Event | None = None,
    max_side: int = USEFUL_SIDE,
    cache: InputCache | None = None,
) -> list[Prepared]:
    """The images to send, in order, so that ``fixed_bytes`` plus the images fit ``budget_bytes``.

    Nothing is sent larger than ``max_side`` on its long side, whatever the budget; ``cache`` keeps
    those scaled copies for later turns.
    ``inputs`` are (image, role) pairs; raises ProviderError when even the smallest versions do not fit.
    """
    items = []
    for image, role in inputs:
        if cancel is not None and cancel.is_set():
            raise Cancelled("The turn was cancelled; the prompt is kept.")
        known = max(image.ref.width, image.ref.height)
        scaled = (
            cache.get(image.sha256, max_side, JPEG_QUALITY)
            if cache is not None and known > max_side
            else None
        )
        item = _Item(image, role, scaled)
        item.cap(max_side, cache)
        item.convert(accepted)
        items.append(item)
    budget_mb = budget_bytes / 1_000_000
    if fixed_bytes > budget_bytes:
        raise ProviderError(
            f"The request to {service} is {fixed_bytes / 1_000_000:.1f} MB before its input images, "
            f"over the {budget_mb:g} MB request budget; reset by promotion to start a shorter "
            "conversation, or raise request_budget_mb in the profile."
        )
    while fixed_bytes + sum(i.cost(as_base64) for i in items) > budget_bytes:
        if cancel is not None and cancel.is_set():
            raise Cancelled("The turn was cancelled; the prompt is kept.")
        open_items = [i for i in items if not i.floor]
        if not open_items:
            raise ProviderError(
                f"The {len(items)} input images do not fit in the {budget_mb:g} MB request budget of "
                f"{service} even scaled down to {MIN_SIDE} px; use fewer references, reset by promotion, "
                "or raise request_budget_mb in the profile."
            )
        victim = min(open_items, key=lambda i: (PRIORITY.get(i.role, 1), -i.cost(as_base64)))
        victim.shrink()
    return [i.prepared for i in items]


def request_info(
    prepared: list[Prepared], *, budget_bytes: int, bytes_sent: int, **extra: Any
) -> dict[str, Any]:
    """What the turn records about the request: the images as sent, and the size of the whole body."""
    return {
        "budget_bytes": budget_bytes,
        "bytes_sent": bytes_sent,
        "input_images": len(prepared),
        "images": [p.info() for p in prepared],
        **{k: v for k, v in extra.items() if v not in (None, "")},
    }

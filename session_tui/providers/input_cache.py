"""Scaled copies of large input images, kept between turns so a 4K reference is decoded once.

Fitting fourteen 4K references into a request means decoding ~16 MB PNGs, which takes seconds
each; the scaled copy depends only on the original (by sha256) and the size it was scaled to, so
it is computed once and read back on every later turn, in every session sharing the reference.

The cache lives in the home (``.cache/inputs-v1``), not in session folders: a session copied
from someone else cannot bring along a copy that differs from its own images. Losing it only
costs time; every failure to read or write it is treated as a miss.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from session_tui.errors import SessionTuiError
from session_tui.media.userfiles import read_regular
from session_tui.store.atomic import atomic_write

VERSION = 1
MAX_BYTES = 512 * 1024 * 1024  # pruned beyond this, oldest first
EXT = {"image/jpeg": ".jpg", "image/webp": ".webp"}
MIME = {".jpg": "image/jpeg", ".webp": "image/webp"}


@dataclass(frozen=True)
class Scaled:
    data: bytes
    mime: str
    width: int
    height: int


class InputCache:
    def __init__(self, root: Path, max_bytes: int = MAX_BYTES) -> None:
        self.folder = root / f"inputs-v{VERSION}"
        self.max_bytes = max_bytes

    def _stem(self, sha256: str, side: int, quality: int) -> str:
        return f"{sha256}-{side}-q{quality}"

    def get(self, sha256: str, side: int, quality: int) -> Scaled | None:
        """The scaled copy of image ``sha256``, if one was kept and still opens at the right size."""
        from PIL import Image

        stem = self._stem(sha256, side, quality)
        for ext, mime in MIME.items():
            data = _read_regular(self.folder / f"{stem}{ext}")
            if not data:
                continue
            try:
                with Image.open(io.BytesIO(data)) as img:
                    size, fmt = img.size, img.format
            except Exception:
                return None
            if max(size) != side or f"image/{(fmt or '').lower()}" != mime:
                return None
            return Scaled(data, mime, size[0], size[1])
        return None

    def put(self, sha256: str, side: int, quality: int, scaled: Scaled) -> None:
        ext = EXT.get(scaled.mime)
        if ext is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.folder.is_symlink():
                return
            atomic_write(self.folder / f"{self._stem(sha256, side, quality)}{ext}", scaled.data)
            self._prune()
        except (OSError, SessionTuiError):
            pass  # a cache that cannot be written only costs time

    def _prune(self) -> None:
        entries = []
        for entry in os.scandir(self.folder):
            if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                st = entry.stat(follow_symlinks=False)
                entries.append((st.st_mtime, st.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            Path(path).unlink(missing_ok=True)
            total -= size


def _read_regular(path: Path) -> bytes:
    """The cached file, or nothing: a link, a FIFO or an unreadable file is a cache miss, never a hang."""
    try:
        return read_regular(path, follow_links=False)
    except OSError:
        return b""

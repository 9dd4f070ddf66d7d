"""Images stored once, by the sha256 of their original bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from session_tui.images import EXT_BY_MIME, inspect_image, verify_decodes
from session_tui.model import ImageRef
from session_tui.store.atomic import atomic_write, storage_errors


class BlobStore:
    """``blobs/ab/abcdef….png`` inside a session folder; paths relative so sessions are portable."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, ref: ImageRef) -> Path:
        return self.path_for(ref.sha256, ref.mime)

    def path_for(self, sha256: str, mime: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{EXT_BY_MIME.get(mime, '.bin')}"

    def put(self, data: bytes, what: str = "The image") -> ImageRef:
        """Validate and store ``data``; storing the same bytes twice writes once."""
        info = inspect_image(data, what)
        verify_decodes(data, what)
        sha = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha, info.mime)
        if not path.exists():
            with storage_errors("create", path.parent):
                path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        return ImageRef(sha256=sha, mime=info.mime, width=info.width, height=info.height, size_bytes=len(data))

    def read(self, ref: ImageRef) -> bytes:
        return self.path(ref).read_bytes()

    def verify(self, ref: ImageRef) -> str | None:
        """A sentence describing what is wrong with a stored blob, or None."""
        path = self.path(ref)
        if path.is_symlink():
            return f"image {ref.sha256[:12]} is a symbolic link, which sessions never contain"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return f"image {ref.sha256[:12]} is missing ({path.name})"
        except OSError as exc:
            return f"image {ref.sha256[:12]} cannot be read ({exc.strerror})"
        if hashlib.sha256(data).hexdigest() != ref.sha256:
            return f"image {ref.sha256[:12]} does not match its hash (the file was altered)"
        return None

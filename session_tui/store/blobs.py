"""Images stored once, by the sha256 of their original bytes."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from session_tui.domain.model import ImageRef
from session_tui.errors import CorruptSession
from session_tui.media.images import EXT_BY_MIME, inspect_image, upright, verify_decodes
from session_tui.store.atomic import atomic_write, storage_errors


class BlobStore:
    """``blobs/ab/abcdef….png`` inside a session folder; paths relative so sessions are portable."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, ref: ImageRef) -> Path:
        return self.path_for(ref.sha256, ref.mime)

    def path_for(self, sha256: str, mime: str) -> Path:
        return Path(self.location(sha256, mime))

    def location(self, sha256: str, mime: str) -> str:
        """``path_for`` as text: show prints one per turn, and pathlib parses on every join."""
        return f"{self.root}{os.sep}{sha256[:2]}{os.sep}{sha256}{EXT_BY_MIME.get(mime, '.bin')}"

    def put(self, data: bytes, what: str = "The image", *, decoded: bool = False) -> ImageRef:
        """Validate and store ``data``; storing the same bytes twice writes once.

        ``decoded``: the caller has just decoded these very bytes in full (``verify_decodes``), so
        the check is not paid twice; a 1K PNG takes about as long to decode as the rest of a turn.
        """
        info = inspect_image(data, what)
        if not decoded:
            verify_decodes(data, what)
        turned = upright(data)
        if turned is not data:  # an EXIF-rotated photo is stored the way it is meant to be seen
            data = turned
            info = inspect_image(data, what)
        sha = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha, info.mime)
        self._refuse_linked_folders(path)
        # A copy that is missing, altered or a link is replaced: storing the same bytes heals it.
        if self._problem(path, sha) is not None:
            with storage_errors("create", path.parent):
                path.parent.mkdir(parents=True, exist_ok=True)
            self._refuse_linked_folders(path)
            atomic_write(path, data)
        return ImageRef(
            sha256=sha, mime=info.mime, width=info.width, height=info.height, size_bytes=len(data)
        )

    def read(self, ref: ImageRef) -> bytes:
        """The image's bytes, only if they are a regular file inside the session matching the hash."""
        data, problem = self._read_checked(self.path(ref), ref.sha256)
        if problem is not None:
            raise CorruptSession(f"The session's {problem}; run 'session-tui check {self.root.parent.name}'.")
        return data

    def verify(self, ref: ImageRef) -> str | None:
        """A sentence describing what is wrong with a stored blob, or None."""
        return self._problem(self.path(ref), ref.sha256)

    def _problem(self, path: Path, sha256: str) -> str | None:
        return self._read_checked(path, sha256)[1]

    def _refuse_linked_folders(self, path: Path) -> None:
        for folder in (self.root, path.parent):
            if folder.is_symlink():
                raise CorruptSession(
                    f"{folder} is a symbolic link; session-tui does not write through links in a "
                    f"session folder (run 'session-tui check {self.root.parent.name}')."
                )

    def _read_checked(self, path: Path, sha256: str) -> tuple[bytes, str | None]:
        short = sha256[:12]
        if self.root.is_symlink() or path.parent.is_symlink():
            return b"", f"image {short} lies in a linked folder, which sessions never contain"
        try:
            # O_NONBLOCK: a FIFO in an image's place would otherwise block the open forever.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            return b"", f"image {short} is missing ({path.name})"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return b"", f"image {short} is a symbolic link, which sessions never contain"
            return b"", f"image {short} cannot be read ({exc.strerror})"
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return b"", f"image {short} is not a regular file"
            os.set_blocking(fd, True)
            with os.fdopen(os.dup(fd), "rb") as fh:
                data = fh.read()
        except OSError as exc:
            return b"", f"image {short} cannot be read ({exc.strerror})"
        finally:
            os.close(fd)
        if hashlib.sha256(data).hexdigest() != sha256:
            return b"", f"image {short} does not match its hash (the file was altered)"
        return data, None

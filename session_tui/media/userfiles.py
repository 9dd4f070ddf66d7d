"""Reading files the user names (references, character specs), with one-sentence refusals."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from session_tui.errors import InvalidInput

# Larger files are refused unread; images have their own, equal limit (images.MAX_IMAGE_BYTES).
MAX_USER_FILE_BYTES = 100 * 2**20


class NotRegularFile(OSError):
    """A folder, FIFO, device or socket where a file was expected (an OSError, so callers that
    already turn OSError into a sentence need nothing new)."""


def read_regular(path: Path, limit: int | None = None, *, follow_links: bool = True) -> bytes:
    """The bytes of ``path`` if it is a regular file, else ``NotRegularFile`` (or the OSError of the
    open). It is opened non-blocking and checked with ``fstat`` before one byte is read, so a FIFO
    in its place never hangs the program and a file swapped in after a ``stat`` is still checked.
    With ``limit``, a longer file raises ``EFBIG`` rather than being read whole.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, "it is not a regular file (a pipe or a device?)", str(path))
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read() if limit is None else fh.read(limit + 1)
        if limit is not None and len(data) > limit:
            too_big = f"it is larger than the {limit / 2**20:.0f} MiB session-tui reads"
            raise OSError(errno.EFBIG, too_big, str(path))
        return data
    finally:
        os.close(fd)


def read_user_file(path: Path, what: str, limit: int = MAX_USER_FILE_BYTES) -> bytes:
    """The bytes of ``path``; ``what`` names it in errors, e.g. "Reference image"."""
    path = path.expanduser()
    try:
        if path.is_dir():
            raise InvalidInput(f"{what} {str(path)!r} is a folder, not a file.")
        info = path.stat()
        # A device or a pipe (/dev/zero, a FIFO) would be read forever or block: refuse before opening.
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{what} {str(path)!r} is not a regular file.")
        if info.st_size > limit:
            raise InvalidInput(
                f"{what} {str(path)!r} is {info.st_size / 2**20:.0f} MiB, larger than the "
                f"{limit / 2**20:.0f} MiB session-tui reads."
            )
        try:
            return read_regular(path, limit)  # the file may have changed after stat()
        except NotRegularFile:
            raise InvalidInput(f"{what} {str(path)!r} is not a regular file.") from None
        except OSError as exc:
            if exc.errno == errno.EFBIG:
                raise InvalidInput(
                    f"{what} {str(path)!r} is larger than the {limit / 2**20:.0f} MiB session-tui reads."
                ) from None
            raise
    except ValueError:  # a NUL byte in the path
        raise InvalidInput(f"{what} path {str(path)!r} contains a NUL character.") from None
    except FileNotFoundError:
        raise InvalidInput(f"{what} {str(path)!r} does not exist.") from None
    except PermissionError:
        raise InvalidInput(f"{what} {str(path)!r} cannot be read (permission denied).") from None
    except OSError as exc:
        raise InvalidInput(f"{what} {str(path)!r} cannot be read ({exc.strerror}).") from None

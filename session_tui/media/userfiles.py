"""Reading files the user names (references, character specs), with one-sentence refusals."""

from __future__ import annotations

import stat
from pathlib import Path

from session_tui.errors import InvalidInput

# Larger files are refused unread; images have their own, equal limit (images.MAX_IMAGE_BYTES).
MAX_USER_FILE_BYTES = 100 * 2**20


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
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # the file may grow after stat()
        if len(data) > limit:
            raise InvalidInput(
                f"{what} {str(path)!r} is larger than the {limit / 2**20:.0f} MiB session-tui reads."
            )
        return data
    except ValueError:  # a NUL byte in the path
        raise InvalidInput(f"{what} path {str(path)!r} contains a NUL character.") from None
    except FileNotFoundError:
        raise InvalidInput(f"{what} {str(path)!r} does not exist.") from None
    except PermissionError:
        raise InvalidInput(f"{what} {str(path)!r} cannot be read (permission denied).") from None
    except OSError as exc:
        raise InvalidInput(f"{what} {str(path)!r} cannot be read ({exc.strerror}).") from None

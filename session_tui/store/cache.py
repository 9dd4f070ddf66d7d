"""A session's ``cache/`` folder: what can be computed again (reference features), read and written
only inside the session.

A cache that is a link, or holds a link or anything but regular files, is ignored: nothing is read
through it and nothing is written through it, so a hostile folder cannot make a command write
outside the session (or hang on a FIFO). Failing to use the cache only costs time.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from session_tui.errors import SessionTuiError
from session_tui.store.atomic import atomic_write

CACHE_DIR = "cache"
# A cached entry is a small JSON document; anything larger is not one of ours.
MAX_ENTRY_BYTES = 4 * 2**20


def _folders(session: Path, rel: Path) -> list[Path]:
    """The folders from the session's ``cache/`` down to the entry's own folder."""
    out = []
    here = session
    for part in (CACHE_DIR, *rel.parts[:-1]):
        here = here / part
        out.append(here)
    return out


def _linked(folders: list[Path]) -> bool:
    """Whether a folder on the way is a link or something other than a folder (missing is fine)."""
    for folder in folders:
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            return False
        except OSError:
            return True
        if not stat.S_ISDIR(mode):
            return True
    return False


def read_cached(session: Path, rel: Path) -> bytes | None:
    """The entry ``cache/REL`` of the session folder, or None if it is missing or not to be trusted."""
    if _linked(_folders(session, rel)):
        return None
    try:
        fd = os.open(session / CACHE_DIR / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_cached(session: Path, rel: Path, data: bytes) -> None:
    """Write ``cache/REL`` of the session folder; never through a link, never raising."""
    folders = _folders(session, rel)
    try:
        for folder in folders:
            if _linked([folder]):
                return
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder)
            if _linked([folder]):  # replaced by a link between the check and the mkdir
                return
        atomic_write(session / CACHE_DIR / rel, data)
    except (OSError, SessionTuiError):
        pass  # a cache that cannot be written only makes the next use slower

"""The repairs ``session-tui check --repair`` makes: each loses nothing.

Damaged journal lines are moved to ``journal.damaged.jsonl`` (saved there first, so a crash leaves
them in both files, never in neither; a re-run after such a crash does not save them twice); a
whole last record whose newline is missing gets it; a header that is missing is rebuilt from the
journal (whatever stood in its place is moved aside, never deleted); a ``.lock`` that is an empty
folder is replaced by a lock file.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from session_tui.domain.model import SessionHeader, Turn
from session_tui.errors import StorageError
from session_tui.store.atomic import atomic_write, fsync_dir, storage_errors
from session_tui.store.check_report import DAMAGED, CheckReport
from session_tui.store.sessions import HEADER, JOURNAL, LOCK, SessionDir


@dataclass
class Line:
    """One whole line of the journal as check read it."""

    number: int
    raw: bytes
    damaged: bool


def _side_lines(side: Path) -> Counter[bytes]:
    """The lines already saved in the side file (none if it cannot be read as a regular file)."""
    try:
        fd = os.open(side, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return Counter()
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return Counter()
        with os.fdopen(os.dup(fd), "rb") as fh:
            return Counter(line.rstrip(b"\n") for line in fh)
    except OSError:
        return Counter()
    finally:
        os.close(fd)


def move_damaged(
    sd: SessionDir, lines: Sequence[Line], damaged: Sequence[Line], torn: bytes, report: CheckReport
) -> None:
    """Save damaged lines and the torn tail to the side file first, then rewrite the journal without them.

    A crash between the two steps leaves the lines in both files, never in neither; the next repair
    finds them already saved and does not add them again.
    """
    side = sd.path / DAMAGED
    wanted = [line.raw for line in damaged] + ([torn] if torn.strip() else [])
    present = _side_lines(side)
    saved = []
    for raw in wanted:
        if present[raw] > 0:
            present[raw] -= 1  # saved by a repair that was interrupted before it rewrote the journal
        else:
            saved.append(raw)
    existed = side.exists()
    with storage_errors("write to", side):
        fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StorageError(f"{side} is not a regular file; move it away and repair again.")
            end = os.lseek(fd, 0, os.SEEK_END)
            blob = b"".join(raw + b"\n" for raw in saved)
            try:
                written = 0
                while written < len(blob):
                    written += os.pwrite(fd, blob[written:], end + written)
                os.fsync(fd)
                fsync_dir(sd.path)
                kept = b"".join(line.raw + b"\n" for line in lines if not line.damaged)
                atomic_write(sd.path / JOURNAL, kept)
            except (OSError, StorageError):
                os.ftruncate(fd, end)  # a failed repair leaves the folder as it was
                if not existed:
                    side.unlink(missing_ok=True)
                raise
        finally:
            os.close(fd)
    for line in damaged:
        report.repaired.append(f"moved damaged journal line {line.number} to {DAMAGED}")
    if torn.strip():
        report.repaired.append(f"cut the torn last journal line ({len(torn)} bytes, kept in {DAMAGED})")


def end_last_record(sd: SessionDir, number: int, report: CheckReport) -> None:
    """Add the newline a whole last record is missing (the record itself is kept as it is)."""
    path = sd.path / JOURNAL
    with storage_errors("write to", path):
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            end = os.lseek(fd, 0, os.SEEK_END)
            try:
                os.pwrite(fd, b"\n", end)
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, end)
                raise
        finally:
            os.close(fd)
    report.repaired.append(
        f"ended journal line {number} with the newline it was missing (the record is kept)"
    )


def aside(path: Path) -> Path:
    """A free name next to ``path`` for moving it aside."""
    return path.with_name(f"{path.name}.damaged.{secrets.token_hex(4)}")


def rebuild_header(sd: SessionDir, turns: Sequence[Turn], report: CheckReport) -> None:
    """Write a header from what the journal says (provider and model of the newest turn, parameters
    of the first); anything standing where session.json belongs is moved aside first."""
    path = sd.path / HEADER
    first = min(turns, key=lambda t: t.index) if turns else None
    last = max(turns, key=lambda t: t.index) if turns else None
    header = SessionHeader(name=sd.name)
    if first is not None and last is not None:
        header = header.model_copy(update={"created_at": first.started_at, "params": first.params})
        if last.provider:
            header = header.model_copy(
                update={"provider": last.provider, "kind": last.kind or header.kind, "model": last.model}
            )
    if os.path.lexists(path):
        moved = aside(path)
        with storage_errors("move aside", path):
            os.rename(path, moved)
        report.repaired.append(f"moved what stood in place of {HEADER} to {moved.name}")
    sd.write_header(header)
    report.repaired.append(
        f"rebuilt {HEADER} from the journal (provider {header.provider!r}); the character spec and "
        "the references' roles were not in the journal: set them again"
    )


def replace_lock_folder(sd: SessionDir, report: CheckReport) -> None:
    """Replace a ``.lock`` that is an empty folder by a lock file; anything else is left to the user."""
    path = sd.path / LOCK
    with storage_errors("replace", path):
        path.rmdir()  # only an empty folder: one holding files is not ours to remove
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        os.close(fd)
    fsync_dir(sd.path)
    report.repaired.append(f"replaced the folder {LOCK} by a lock file")

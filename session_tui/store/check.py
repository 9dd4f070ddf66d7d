"""``session-tui check``: an integrity check of session folders, with safe repairs.

What is checked: the header (valid, schema version), the journal (torn tail, damaged lines,
records that do not validate), every image a reference, turn or checkpoint names (present, not
a link, matching its sha256), symbolic links anywhere in the folder, lineage, pending turns,
leftover temporary files.

An *error* means something cannot be read or trusted; a *warning* is a known, harmless trace of
a crash or a move (a torn tail, an interrupted turn, a parent session that is gone). ``--repair``
does only what loses nothing: it cuts a torn tail and moves damaged journal lines to
``journal.damaged.jsonl`` (kept, never deleted), and removes leftover temporary files.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from session_tui.domain.model import SCHEMA_VERSION, Checkpoint, ImageRef, SessionHeader, Turn, validate_name
from session_tui.errors import CorruptSession, InvalidInput, NotFound, SessionBusy, StorageError
from session_tui.store.atomic import atomic_write, fsync_dir, storage_errors
from session_tui.store.journal import decode
from session_tui.store.migrations import migrate_record
from session_tui.store.sessions import BLOBS, HEADER, JOURNAL, SessionDir, Store

DAMAGED = "journal.damaged.jsonl"
STAGING = ".tmp"
# atomic_write's temporary names: ".NAME.PID.HEX8.tmp"
_TEMP_RE = re.compile(r"^\..+\.\d+\.[0-9a-f]{8}\.tmp$")
# Store.create's staging folders "NAME.PID.HEX8" and Store.delete's "deleted.NAME.HEX8"
_STAGING_RE = re.compile(r"^(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}$")
_DELETED_RE = re.compile(r"^deleted\..+\.[0-9a-f]{8}$")


@dataclass
class CheckReport:
    """What the check of one session (or of the home's own folders) found and did."""

    name: str
    path: Path
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    turns: int = 0
    checkpoints: int = 0
    images_verified: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "repaired": self.repaired,
            "turns": self.turns,
            "checkpoints": self.checkpoints,
            "images_verified": self.images_verified,
        }


@dataclass
class _Line:
    number: int
    raw: bytes
    damaged: bool


def check_home(store: Store, *, repair: bool = False) -> list[CheckReport]:
    """Check every session of the home, then the home's own leftovers (one report named '')."""
    reports = []
    for name in store.names():
        try:
            reports.append(check_session(store, name, repair=repair))
        except SessionBusy as exc:
            busy = CheckReport(name, store.root / name)
            busy.warnings.append(f"not checked: {exc.message.rstrip('.')}")
            reports.append(busy)
    reports.append(check_leftovers(store, repair=repair))
    return reports


def check_session(store: Store, name: str, *, repair: bool = False) -> CheckReport:
    """Check one session; hold its lock so a writer is never caught halfway."""
    validate_name(name)
    path = store.root / name
    report = CheckReport(name, path)
    if path.is_symlink():
        report.errors.append(
            f"{path} is a symbolic link to {_target(path)}; a session folder is never a link, "
            "so session-tui does not open it"
        )
        return report
    if not path.is_dir():
        raise NotFound(f"No session named {name!r} in {store.root}; 'session-tui list' shows them.")
    sd = SessionDir(path, store.lock_timeout_s)
    lock = sd.lock()
    try:
        lock.acquire()
        locked = True
    except StorageError as exc:
        if repair:
            raise
        locked = False  # a read-only folder can still be checked, just not repaired
        report.warnings.append(
            f"the session could not be locked ({exc.message.rstrip('.')}); checked as it is"
        )
    try:
        _check_locked(store, sd, report, repair)
    finally:
        if locked:
            lock.release()
    return report


def _check_locked(store: Store, sd: SessionDir, report: CheckReport, repair: bool) -> None:
    _check_links_and_temps(sd, report, repair)
    header = _check_header(sd, report)
    turns, checkpoints = _check_journal(sd, report, repair)
    report.turns, report.checkpoints = len(turns), len(checkpoints)
    images: dict[str, tuple[ImageRef, str]] = {}
    if header is not None:
        for ref in header.references:
            images.setdefault(ref.sha256, (ref, f"reference {ref.label or ref.sha256[:12]!r}"))
    for turn in turns.values():
        for image in turn.images:
            images.setdefault(image.sha256, (image, f"turn {turn.index}"))
        if turn.status == "pending":
            report.warnings.append(
                f"turn {turn.index} was interrupted before an answer arrived; its prompt is kept"
            )
    for cp in checkpoints.values():
        images.setdefault(cp.image.sha256, (cp.image, f"checkpoint {cp.id}"))
        _check_checkpoint(cp, turns, report)
    for stored, owner in images.values():
        problem = sd.blobs.verify(stored)
        if problem:
            report.errors.append(f"{problem}; it belongs to {owner}")
        else:
            report.images_verified += 1
    _note_orphans(sd, set(images), report)
    if header is not None and header.parent is not None:
        _check_parent(store, header, report)


def _target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "an unreadable target"


def _check_links_and_temps(sd: SessionDir, report: CheckReport, repair: bool) -> None:
    root = sd.path
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        for entry in [*dirs, *files]:
            p = here / entry
            rel = p.relative_to(root)
            if p.is_symlink():
                target = _target(p)
                resolved = (p.parent / target).resolve()
                where = "inside" if resolved.is_relative_to(root.resolve()) else "outside"
                report.errors.append(
                    f"{rel} is a symbolic link to {target!r} ({where} the session); session folders "
                    "never contain links and session-tui does not follow them"
                )
            elif entry in files and _TEMP_RE.match(entry):
                if repair:
                    with storage_errors("remove", p):
                        p.unlink(missing_ok=True)
                    report.repaired.append(f"removed the leftover temporary file {rel}")
                else:
                    report.warnings.append(
                        f"{rel} is a temporary file left by an interrupted write (--repair removes it)"
                    )


def _check_header(sd: SessionDir, report: CheckReport) -> SessionHeader | None:
    try:
        header = sd.read_header()
    except (NotFound, CorruptSession) as exc:
        report.errors.append(exc.message.rstrip("."))
        return None
    if header.schema_version < SCHEMA_VERSION:
        report.warnings.append(f"{HEADER} uses schema {header.schema_version}; it is upgraded when read")
    return header


def _split_journal(data: bytes) -> tuple[list[_Line], bytes]:
    """Whole lines (numbered from 1, each marked damaged or not) and the torn tail."""
    parts = data.split(b"\n")
    torn = parts.pop()
    lines = []
    for number, raw in enumerate(parts, start=1):
        damaged = False
        if raw.strip():
            try:
                decode(raw)
            except (ValueError, UnicodeDecodeError, RecursionError):
                damaged = True
        lines.append(_Line(number, raw, damaged))
    return lines, torn


def _check_journal(
    sd: SessionDir, report: CheckReport, repair: bool
) -> tuple[dict[int, Turn], dict[str, Checkpoint]]:
    path = sd.path / JOURNAL
    turns: dict[int, Turn] = {}
    checkpoints: dict[str, Checkpoint] = {}
    if path.is_symlink():
        return turns, checkpoints  # reported by the link scan; never read through a link
    try:
        data = sd.journal.read_bytes()
    except CorruptSession as exc:
        report.errors.append(exc.message.rstrip("."))
        return turns, checkpoints
    lines, torn = _split_journal(data)
    damaged = [line for line in lines if line.damaged]
    for line in lines:
        if line.damaged or not line.raw.strip():
            continue
        type_, payload = decode(line.raw)
        try:
            type_, payload = migrate_record(type_, payload)
            if type_ == "turn":
                turn = Turn.model_validate(payload)
                turns[turn.index] = turn
            elif type_ == "checkpoint":
                cp = Checkpoint.model_validate(payload)
                if cp.id in checkpoints:
                    report.warnings.append(
                        f"checkpoint id {cp.id} appears twice; the later record (line {line.number}) wins"
                    )
                checkpoints[cp.id] = cp
            else:
                report.errors.append(f"journal line {line.number} has an unknown record type {type_!r}")
        except CorruptSession as exc:
            report.errors.append(f"journal line {line.number}: {exc.message.rstrip('.')}")
        except (ValidationError, ValueError) as exc:
            report.errors.append(
                f"journal line {line.number} is intact but not a valid {type_} record ({_first(exc)})"
            )
    if repair and (damaged or torn.strip()):
        _move_damaged(sd, lines, damaged, torn, report)
        return turns, checkpoints
    for line in damaged:
        report.errors.append(
            f"journal line {line.number} is damaged (bad JSON or checksum) and is skipped when "
            f"the session opens (--repair moves it to {DAMAGED})"
        )
    if torn.strip():
        report.warnings.append(
            f"journal line {len(lines) + 1} was cut short by a crash ({len(torn)} bytes, "
            "never reported saved); it is skipped, and --repair or the next write cuts it off"
        )
    return turns, checkpoints


def _first(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        return f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid"))
    return str(exc)


def _move_damaged(
    sd: SessionDir, lines: list[_Line], damaged: list[_Line], torn: bytes, report: CheckReport
) -> None:
    """Save damaged lines and the torn tail to the side file first, then rewrite the journal without them.

    A crash between the two steps leaves the lines in both files, never in neither.
    """
    side = sd.path / DAMAGED
    saved = [line.raw for line in damaged] + ([torn] if torn.strip() else [])
    existed = side.exists()
    with storage_errors("write to", side):
        fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
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


def _check_checkpoint(cp: Checkpoint, turns: dict[int, Turn], report: CheckReport) -> None:
    turn = turns.get(cp.turn)
    if turn is None:
        report.warnings.append(
            f"checkpoint {cp.id} comes from turn {cp.turn}, which is not in the journal; its image is kept"
        )
    elif all(i.sha256 != cp.image.sha256 for i in turn.images):
        report.warnings.append(f"checkpoint {cp.id}'s image is not among turn {cp.turn}'s images")


def _note_orphans(sd: SessionDir, known: set[str], report: CheckReport) -> None:
    root = sd.path / BLOBS
    if root.is_symlink() or not root.is_dir():
        return
    orphans = 0
    for p in root.glob("*/*"):
        if p.is_file() and not p.is_symlink() and not _TEMP_RE.match(p.name) and p.stem not in known:
            orphans += 1
    if orphans:
        # A crash between storing an image and journalling its turn leaves one; it is harmless.
        report.warnings.append(
            f"{orphans} stored image(s) belong to no turn (left by an interrupted turn); they are kept"
        )


def _check_parent(store: Store, header: SessionHeader, report: CheckReport) -> None:
    parent = header.parent
    assert parent is not None
    try:
        validate_name(parent.session)
    except InvalidInput:
        report.errors.append(
            f"the lineage names the parent {parent.session!r}, which is not a valid session name"
        )
        return
    what = f"{parent.kind} of {parent.session!r}"
    if not (store.root / parent.session / HEADER).is_file():
        report.warnings.append(
            f"this session is a {what}, which is not in this home (deleted or moved); "
            "the lineage is kept as a record"
        )
        return
    if parent.checkpoint:
        try:
            psession = SessionDir(store.root / parent.session).load()
        except (CorruptSession, NotFound):
            report.warnings.append(f"the parent session {parent.session!r} cannot be read")
            return
        if all(cp.id != parent.checkpoint for cp in psession.checkpoints):
            report.warnings.append(
                f"the parent session {parent.session!r} no longer has checkpoint {parent.checkpoint}"
            )


def check_leftovers(store: Store, *, repair: bool = False) -> CheckReport:
    """The home's staging area: folders left by an interrupted new, reset, fork or delete."""
    report = CheckReport("", store.root / STAGING)
    folder = store.root / STAGING
    if not folder.is_dir() or folder.is_symlink():
        return report
    for entry in sorted(folder.iterdir()):
        kind = _leftover_kind(entry.name)
        if kind is None:
            continue
        rel = f"{STAGING}/{entry.name}"
        if repair:
            with storage_errors("remove", entry):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink(missing_ok=True)
            report.repaired.append(f"removed {rel}, left by {kind}")
        else:
            report.warnings.append(f"{rel} was left by {kind} (--repair removes it)")
    for entry in sorted(store.root.iterdir()):
        if entry.is_symlink() and (entry / HEADER).exists() and not entry.name.startswith("."):
            report.warnings.append(
                f"{entry.name} is a symbolic link to a session folder; session-tui ignores it"
            )
    return report


def _leftover_kind(name: str) -> str | None:
    if _DELETED_RE.match(name):
        return "an interrupted delete"
    m = _STAGING_RE.match(name)
    if m is None:
        return None
    if _alive(int(m.group("pid"))):
        return None  # a create in progress right now
    return f"an interrupted new, reset or fork of {m.group('name')!r}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False  # no process has such an id
    except PermissionError:
        return True
    return True


def summary_counts(reports: Iterable[CheckReport]) -> tuple[int, int]:
    """(errors, warnings) over ``reports``."""
    errors = warnings = 0
    for r in reports:
        errors += len(r.errors)
        warnings += len(r.warnings)
    return errors, warnings

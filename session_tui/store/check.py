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
import stat
from pathlib import Path

from session_tui.domain.model import SCHEMA_VERSION, Checkpoint, ImageRef, SessionHeader, Turn, validate_name
from session_tui.domain.wording import plural
from session_tui.errors import CorruptSession, InvalidInput, NotFound, SessionBusy, StorageError
from session_tui.store.atomic import storage_errors
from session_tui.store.check_journal import check_journal
from session_tui.store.check_repair import rebuild_header, replace_lock_folder
from session_tui.store.check_report import DAMAGED, CheckReport, summary_counts
from session_tui.store.sessions import BLOBS, HEADER, JOURNAL, LOCK, SessionDir, Store

__all__ = ["DAMAGED", "CheckReport", "check_home", "check_leftovers", "check_session", "summary_counts"]

STAGING = ".tmp"
# atomic_write's temporary names: ".NAME.PID.HEX8.tmp"
_TEMP_RE = re.compile(r"^\..+\.\d+\.[0-9a-f]{8}\.tmp$")
# Store.create's staging folders "NAME.PID.HEX8" and Store.delete's "deleted.NAME.HEX8"
_STAGING_RE = re.compile(r"^(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}$")
_DELETED_RE = re.compile(r"^deleted\..+\.[0-9a-f]{8}$")


def check_home(store: Store, *, repair: bool = False) -> list[CheckReport]:
    """Check every session folder of the home, then the home's own leftovers (one report named '').

    One folder never stops the others: a busy one is reported not checked, one that cannot be
    repaired (read-only) or whose name no command accepts is reported, and the rest are checked.
    """
    reports = []
    for name in store.folders():
        path = store.root / name
        try:
            validate_name(name)
        except InvalidInput:
            report = CheckReport(name, path)
            report.errors.append(
                f"the folder name {name!r} is not a valid session name, so no command can open it; "
                f"rename the folder to letters, digits, '-', '_' and '.' (e.g. {_suggest(name)!r})"
            )
            try:
                _check_folder(store, path, report, repair=False)  # its contents are still worth knowing
            except SessionBusy as exc:
                report.not_checked = exc.message.rstrip(".")
            reports.append(report)
            continue
        try:
            reports.append(check_session(store, name, repair=repair))
        except SessionBusy as exc:
            reports.append(CheckReport(name, path, not_checked=exc.message.rstrip(".")))
        except (StorageError, CorruptSession) as exc:
            failed = CheckReport(name, path)
            failed.errors.append(f"could not be repaired: {exc.message.rstrip('.')}")
            reports.append(failed)
    reports.append(check_leftovers(store, repair=repair))
    return reports


def _suggest(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return cleaned or "session"


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
    _check_folder(store, path, report, repair)
    return report


def _check_folder(store: Store, path: Path, report: CheckReport, repair: bool) -> None:
    sd = SessionDir(path, store.lock_timeout_s)
    if not _lock_file_ok(sd, report, repair):
        _check_locked(store, sd, report, repair=False)  # no lock can be taken: nothing is repaired
        return
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


def _lock_file_ok(sd: SessionDir, report: CheckReport, repair: bool) -> bool:
    """Whether ``.lock`` is a regular file (or absent); a folder or a pipe there makes every write fail."""
    try:
        mode = os.lstat(sd.path / LOCK).st_mode
    except FileNotFoundError:
        return True
    except OSError as exc:
        report.errors.append(f"{LOCK} cannot be examined ({exc.strerror}); no command can write here")
        return False
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):  # a link is reported by the link scan
        return True
    kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
    if repair and stat.S_ISDIR(mode):
        try:
            replace_lock_folder(sd, report)
            return True
        except StorageError:
            pass
    report.errors.append(
        f"{LOCK} is {kind}, so every command that writes to this session fails; remove it "
        "(--repair replaces an empty folder)"
    )
    return False


def _missing_header(
    sd: SessionDir, turns: list[Turn], checkpoints: int, report: CheckReport, repair: bool
) -> SessionHeader | None:
    """session.json is missing or not a file: damage, since the journal and images remain."""
    path = sd.path / HEADER
    what = (
        "is missing"
        if not os.path.lexists(path)
        else ("is a folder" if path.is_dir() else "is not a regular file")
    )
    held = f"the journal holds {plural(len(turns), 'turn')} and {plural(checkpoints, 'checkpoint')}"
    if repair:
        try:
            rebuild_header(sd, turns, report)
            return sd.read_header()
        except (StorageError, CorruptSession, NotFound) as exc:
            report.errors.append(f"{HEADER} {what} and could not be rebuilt ({exc.message.rstrip('.')})")
            return None
    report.errors.append(
        f"{HEADER} {what}, so the session cannot be opened; {held} (--repair rebuilds {HEADER} "
        "from the journal, moving whatever stands in its place aside)"
    )
    return None


def _check_locked(store: Store, sd: SessionDir, report: CheckReport, repair: bool) -> None:
    _check_links_and_temps(sd, report, repair)
    header = _check_header(sd, report)
    turns, checkpoints = check_journal(sd, report, repair)
    report.turns, report.checkpoints = len(turns), len(checkpoints)
    where = sd.path / HEADER
    if header is None and not where.is_symlink() and not where.is_file():  # missing, a folder, a FIFO
        header = _missing_header(sd, list(turns.values()), len(checkpoints), report, repair)
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
    _note_orphans(sd, set(images), report, journal=os.path.lexists(sd.path / JOURNAL))
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
    path = sd.path / HEADER
    if not path.is_symlink() and not path.is_file():
        return None  # missing or not a file: reported with what the journal holds (_missing_header)
    try:
        header = sd.read_header()
    except (NotFound, CorruptSession) as exc:
        report.errors.append(exc.message.rstrip("."))
        return None
    if header.schema_version < SCHEMA_VERSION:
        report.warnings.append(f"{HEADER} uses schema {header.schema_version}; it is upgraded when read")
    return header


def _check_checkpoint(cp: Checkpoint, turns: dict[int, Turn], report: CheckReport) -> None:
    turn = turns.get(cp.turn)
    if turn is None:
        report.warnings.append(
            f"checkpoint {cp.id} comes from turn {cp.turn}, which is not in the journal; its image is kept"
        )
    elif all(i.sha256 != cp.image.sha256 for i in turn.images):
        report.warnings.append(f"checkpoint {cp.id}'s image is not among turn {cp.turn}'s images")


def _note_orphans(sd: SessionDir, known: set[str], report: CheckReport, *, journal: bool) -> None:
    root = sd.path / BLOBS
    if root.is_symlink() or not root.is_dir():
        return
    orphans = 0
    for p in root.glob("*/*"):
        if p.is_file() and not p.is_symlink() and not _TEMP_RE.match(p.name) and p.stem not in known:
            orphans += 1
    if orphans and not journal:
        # Images no turn names and no journal at all: the conversation is gone, not a crash trace.
        report.errors.append(
            f"{JOURNAL} is missing while {plural(orphans, 'stored image')} belong to no turn: the turns and "
            f"checkpoints that named them are lost; restore {JOURNAL} from a backup if there is one "
            "(the images are kept)"
        )
    elif orphans:
        # A crash between storing an image and journalling its turn leaves one; it is harmless.
        # ... and 'refs remove' leaves the reference's image stored (a turn may have been drawn from it).
        some = "1 stored image belongs" if orphans == 1 else f"{orphans} stored images belong"
        report.warnings.append(
            f"{some} to no turn, checkpoint or reference (left by a removed reference or an "
            "interrupted turn); they are kept and harmless"
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
    if parent.parent_deleted_at is not None:
        # Whatever is stored under that name now is another session: nothing to compare with.
        report.warnings.append(
            f"this session is a {what}, which was deleted on {parent.parent_deleted_at:%Y-%m-%d %H:%M} UTC; "
            "the lineage is kept as a record"
        )
        return
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

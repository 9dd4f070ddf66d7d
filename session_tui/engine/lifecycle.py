"""The rest of a session's life: delete, rename, archive (a zip ``import`` reads back) and import.

Lineage follows every change: a deleted session's children keep a note that their parent was
deleted, a renamed session's children point at its new name. An archive is the session folder
whole (and, if asked, the sessions it came from), with the sha256 of every file in
``session-tui-archive.json``, checked before an import takes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from session_tui import __version__
from session_tui.domain.model import SessionHeader, utcnow, validate_name
from session_tui.engine.base import EngineBase
from session_tui.errors import AlreadyExists, CorruptSession, InvalidInput, NotFound, SessionTuiError
from session_tui.store.atomic import atomic_write, fsync_dir, storage_errors
from session_tui.store.sessions import HEADER, SessionDir

if TYPE_CHECKING:
    from session_tui.store.importer import ImportResult

ARCHIVE_MANIFEST = "session-tui-archive.json"
ARCHIVE_FORMAT = "session-tui-archive"
# Inside a session folder: what an archive leaves out (the writers' lock, derived data, temp files).
_NOT_ARCHIVED = {".lock", "cache"}


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    sessions: list[str]  # the session first, then its parents
    files: int


@dataclass
class ArchiveImport:
    """What ``import`` of a zip brought in: the session, and any parents archived with it."""

    result: ImportResult
    parents: list[str] = field(default_factory=list)
    parents_present: list[str] = field(default_factory=list)  # already in the home: left as they were


class LifecycleOps(EngineBase):
    """Part of Engine: deleting, renaming, archiving and importing whole sessions."""

    def children(self, name: str) -> list[str]:
        """The sessions whose lineage names ``name`` as their parent (not a deleted one of that name)."""
        out = []
        for other in self.store.names():
            try:
                header = SessionDir(self.store.root / other).read_header()
            except SessionTuiError:
                continue  # a damaged session is 'check's business, not a reason to refuse
            parent = header.parent
            if parent is not None and parent.session == name and parent.parent_deleted_at is None:
                out.append(other)
        return out

    def delete(self, name: str) -> list[str]:
        """Delete session ``name``; its children keep a lineage note that it was deleted. Returns them."""
        kids = self.children(name)
        self.store.delete(name)
        when = utcnow()
        for kid in kids:
            self._edit_lineage(kid, name, lambda h: h.parent.model_copy(update={"parent_deleted_at": when}))
        return kids

    def rename(self, old: str, new: str) -> list[str]:
        """Rename session ``old`` to ``new``; its children's lineage follows. Returns the children."""
        new = validate_name(new)
        sd = self.session_dir(old)
        if new == sd.name:
            raise InvalidInput(f"The session is already named {new!r}.")
        if self.store.exists(new):
            raise AlreadyExists(f"A session named {new!r} already exists; choose another name.")
        if new.casefold() != sd.name.casefold():  # a change of case alone is this session's own twin
            self.store.refuse_case_twin(new)
        kids = self.children(sd.name)
        target = self.store.root / new
        with sd.lock():
            header = sd.read_header()
            with storage_errors("rename", sd.path):
                os.rename(sd.path, target)  # the lock file moves with the folder; our handle stays valid
                fsync_dir(self.store.root)
            SessionDir(target).write_header(header.model_copy(update={"name": new}))
        for kid in kids:
            self._edit_lineage(kid, old, lambda h: h.parent.model_copy(update={"session": new}))
        return kids

    def _edit_lineage(self, name: str, parent: str, change: object) -> None:
        sd = self.session_dir(name)
        with sd.lock():
            header = sd.read_header()
            if header.parent is None or header.parent.session != parent or header.parent.parent_deleted_at:
                return  # changed meanwhile
            header = header.model_copy(update={"parent": change(header)})  # type: ignore[operator]
            sd.write_header(SessionHeader.model_validate(header.model_dump()))

    # -- archive ---------------------------------------------------------------------------------
    def archive(
        self, name: str, out: Path, *, with_parents: bool = False, force: bool = False
    ) -> ArchiveResult:
        """Zip the session folder whole (and its ancestors, ``with_parents``) into ``out``."""
        out = out.expanduser().absolute()
        if out.suffix.lower() != ".zip":
            raise InvalidInput(f"{out.name!r} does not end in .zip; name the archive FILE.zip.")
        if out.is_dir():
            raise InvalidInput(f"{out} is a folder; name the archive FILE.zip.")
        if out.exists() and not force:
            raise InvalidInput(f"{out} already exists; choose another --out, or add --force to replace it.")
        names = [self.session_dir(name).name]
        while with_parents:
            header = self.session_dir(names[-1]).read_header()
            parent = header.parent.session if header.parent and not header.parent.parent_deleted_at else None
            if parent is None or parent in names or not self.store.exists(parent):
                break
            names.append(parent)
        digests: dict[str, str] = {}
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for session in names:
                sd = self.session_dir(session)
                with sd.lock():  # no writer changes the folder while it is read
                    for path in sorted(sd.path.rglob("*")):
                        rel = path.relative_to(sd.path)
                        if rel.parts[0] in _NOT_ARCHIVED or path.is_symlink() or not path.is_file():
                            continue
                        if path.name.startswith(".") and path.name.endswith(".tmp"):
                            continue
                        with storage_errors("read", path):
                            data = path.read_bytes()
                        entry = f"{session}/{rel.as_posix()}"
                        zf.writestr(entry, data)
                        digests[entry] = hashlib.sha256(data).hexdigest()
            manifest = {
                "format": ARCHIVE_FORMAT,
                "version": 1,
                "session_tui": __version__,
                "created_at": utcnow().isoformat(),
                "sessions": names,
                "sha256": digests,
            }
            zf.writestr(ARCHIVE_MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        with storage_errors("create", out.parent):
            out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, buf.getvalue())
        return ArchiveResult(out, names, len(digests) + 1)

    # -- import ----------------------------------------------------------------------------------
    def import_archive(self, zip_path: Path, name: str | None = None) -> ArchiveImport:
        """Import a zipped session folder or an archive; parents archived with it come too."""
        from session_tui.store.importer import import_zip  # zip checks: loaded only when importing

        try:
            zf = zipfile.ZipFile(zip_path)
        except FileNotFoundError:
            raise InvalidInput(f"{zip_path} does not exist.") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise InvalidInput(f"{zip_path} is not a zip file ({exc}).") from None
        with zf:
            manifest = _archive_manifest(zf, zip_path)
            if manifest is None:
                _refuse_checkpoint_export(zf, zip_path)
                return ArchiveImport(import_zip(self.store, zip_path, name))
            sessions = _verify(zf, zip_path, manifest)
            main, parents = sessions[0], sessions[1:]
            present = [p for p in parents if self.store.exists(p)]
            with tempfile.TemporaryDirectory(prefix=".import-", dir=_staging(self.store.root)) as tmp:
                parts = {
                    s: _one_session_zip(zf, s, Path(tmp) / f"{secrets.token_hex(4)}.zip") for s in sessions
                }
                target = validate_name(name or main)
                if self.store.exists(target):  # refused before any parent is brought in
                    raise AlreadyExists(
                        f"A session named {target!r} already exists; import it under another name with --as."
                    )
                imported = []
                for parent in reversed(parents):  # the oldest first, so each child finds its parent
                    if parent not in present:
                        import_zip(self.store, parts[parent], parent)
                        imported.append(parent)
                result = import_zip(self.store, parts[main], target)
        return ArchiveImport(result, imported, present)


def _staging(root: Path) -> Path:
    folder = root / ".tmp"
    with storage_errors("create", folder):
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _archive_manifest(zf: zipfile.ZipFile, zip_path: Path) -> dict[str, object] | None:
    try:
        raw = zf.read(ARCHIVE_MANIFEST)
    except KeyError:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        raise InvalidInput(f"{zip_path.name}: {ARCHIVE_MANIFEST} is damaged; nothing was imported.") from None
    if not isinstance(doc, dict) or doc.get("format") != ARCHIVE_FORMAT:
        raise InvalidInput(f"{zip_path.name}: {ARCHIVE_MANIFEST} is not a session-tui archive manifest.")
    return doc


def _refuse_checkpoint_export(zf: zipfile.ZipFile, zip_path: Path) -> None:
    """A checkpoint export (PNGs and manifest.json) is not a session: say so in one sentence."""
    names = zf.namelist()
    if any(PurePosixPath(n).name == HEADER for n in names):
        return
    for entry in (n for n in names if PurePosixPath(n).name == "manifest.json"):
        try:
            doc = json.loads(zf.read(entry))
        except (ValueError, KeyError, zipfile.BadZipFile):
            continue
        if isinstance(doc, dict) and doc.get("format") == "session-tui-export":
            raise InvalidInput(
                f"{zip_path.name} is a checkpoint export (PNGs and manifest.json), not a session; "
                "'session-tui archive NAME --out FILE.zip' makes a zip that import reads."
            )


def _verify(zf: zipfile.ZipFile, zip_path: Path, manifest: dict[str, object]) -> list[str]:
    """The archive's sessions, after checking every file against its sha256 (nothing read twice)."""
    sessions = manifest.get("sessions")
    digests = manifest.get("sha256")
    if not isinstance(sessions, list) or not sessions or not isinstance(digests, dict):
        raise InvalidInput(f"{zip_path.name}: {ARCHIVE_MANIFEST} names no sessions; nothing was imported.")
    for s in sessions:
        if not isinstance(s, str):
            raise InvalidInput(f"{zip_path.name}: {ARCHIVE_MANIFEST} names a session that is not text.")
        validate_name(s)
    listed = set(digests)
    present = {n for n in zf.namelist() if not n.endswith("/") and n != ARCHIVE_MANIFEST}
    if listed != present:
        odd = sorted(listed ^ present)[0]
        raise InvalidInput(
            f"{zip_path.name}: {odd!r} is "
            f"{'missing' if odd in listed else 'not listed in ' + ARCHIVE_MANIFEST}; nothing was imported."
        )
    for entry, digest in digests.items():
        try:
            data = zf.read(entry)
        except (zipfile.BadZipFile, OSError) as exc:  # a CRC error, a truncated member
            raise InvalidInput(
                f"{zip_path.name}: {entry!r} cannot be read ({exc}); nothing was imported."
            ) from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise CorruptSession(
                f"{zip_path.name}: {entry!r} does not match its sha256 in {ARCHIVE_MANIFEST}; "
                "nothing was imported."
            )
        if entry.split("/", 1)[0] not in sessions:
            raise InvalidInput(
                f"{zip_path.name}: {entry!r} belongs to no archived session; nothing was imported."
            )
    return [str(s) for s in sessions]


def _one_session_zip(zf: zipfile.ZipFile, session: str, target: Path) -> Path:
    """The entries of one archived session as a zip of its own, as the store's importer reads one."""
    prefix = f"{session}/"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zf.infolist():
            if info.filename.startswith(prefix):
                out.writestr(info.filename, zf.read(info))
    if not any(n.startswith(prefix) for n in zf.namelist()):
        raise NotFound(f"The archive holds no folder for session {session!r}.")
    return target

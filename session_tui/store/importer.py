"""Import a zipped session folder (``NAME/session.json``, ``journal.jsonl``, ``blobs/…``) into a home.

A zip is untrusted: only the files a session holds are taken, by names that cannot leave the
folder (no absolute paths, ``..``, backslashes or links), within size limits checked before
anything is read; the result is built in the home's staging area, checked like ``session-tui
check``, and renamed into place only if nothing is damaged.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from session_tui.domain.model import SessionHeader, first_error, validate_name
from session_tui.errors import InvalidInput
from session_tui.media.images import MAX_IMAGE_BYTES
from session_tui.store.atomic import storage_errors
from session_tui.store.check import DAMAGED, check_session
from session_tui.store.migrations import migrate_header
from session_tui.store.sessions import HEADER, HEADER_MAX_BYTES, JOURNAL, SessionDir, Store

MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 4 * 2**30  # far above any real session; refuses a zip bomb before it is read
MAX_RATIO = 200  # a real PNG or journal compresses far less than this
_BLOB_RE = re.compile(r"^blobs/[0-9a-f]{2}/[0-9a-f]{64}\.(png|jpg|webp|gif|bin)$")
_KEEP = {HEADER, JOURNAL, DAMAGED}
# What each member can reasonably be once expanded; a larger one is refused before it is read.
JOURNAL_MAX_BYTES = 2 * 2**30
_MEMBER_MAX = {HEADER: HEADER_MAX_BYTES, JOURNAL: JOURNAL_MAX_BYTES, DAMAGED: JOURNAL_MAX_BYTES}
_WHAT = {HEADER: "header", JOURNAL: "journal", DAMAGED: "file of damaged lines"}


@dataclass
class ImportResult:
    name: str
    path: Path
    files: int
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_zip(store: Store, zip_path: Path, name: str | None = None) -> ImportResult:
    """Import the session in ``zip_path`` as ``name`` (default: its folder name in the zip)."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except FileNotFoundError:
        raise InvalidInput(f"{zip_path} does not exist.") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"{zip_path} is not a zip file ({exc}).") from None
    with zf:
        prefix, members, skipped = _plan(zf, zip_path)
        header = _header(zf, prefix + HEADER, zip_path)
        target = validate_name(name or (prefix.rstrip("/") or zip_path.stem))
        header = header.model_copy(update={"name": target})
        files = 0

        def populate(sd: SessionDir) -> None:
            nonlocal files
            sd.write_header(header)  # the check below reads it; create() writes it again, unchanged
            for info, rel in members:
                if rel != HEADER:
                    _extract(zf, info, sd.path / rel)
                    files += 1
            report = check_session(Store(sd.path.parent), sd.path.name)
            if report.errors:
                raise InvalidInput(
                    f"The session in {zip_path.name} is damaged ({report.errors[0]}); nothing was imported."
                )

        sd = store.create(header, populate)
    report = check_session(store, target)
    return ImportResult(target, sd.path, files + 1, skipped, report.warnings)


def _plan(zf: zipfile.ZipFile, zip_path: Path) -> tuple[str, list[tuple[zipfile.ZipInfo, str]], list[str]]:
    """The folder prefix of the session in the zip, the members to take, and the names skipped."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise InvalidInput(f"{zip_path.name} holds {len(infos)} entries, more than a session ever has.")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise InvalidInput(
            f"{zip_path.name} holds two entries named {twice!r}; which one is meant cannot be "
            "told, so nothing was imported."
        )
    total = 0
    for info in infos:
        _check_name(info.filename, zip_path)
        total += info.file_size
        if (
            info.compress_size
            and info.file_size > 10 * 2**20
            and info.file_size / info.compress_size > MAX_RATIO
        ):
            raise InvalidInput(
                f"{zip_path.name}: {info.filename!r} expands {info.file_size // info.compress_size}"
                " times; a zip bomb is not imported."
            )
    if total > MAX_TOTAL_BYTES:
        raise InvalidInput(f"{zip_path.name} would expand to {total / 2**30:.1f} GiB; nothing was imported.")
    headers = [
        i.filename
        for i in infos
        if PurePosixPath(i.filename).name == HEADER and len(PurePosixPath(i.filename).parts) <= 2
    ]
    folder = next((h for h in headers if h.endswith("/")), None)
    if folder is not None:  # "x/session.json/": a folder where the header belongs
        raise InvalidInput(
            f"{zip_path.name}: {folder!r} is a folder where the session's {HEADER} belongs; "
            "nothing was imported."
        )
    if len(headers) != 1:
        raise InvalidInput(
            f"{zip_path.name} does not hold exactly one session folder "
            f"(found {len(headers)} {HEADER} files at its top)."
        )
    prefix = headers[0][: -len(HEADER)]
    members: list[tuple[zipfile.ZipInfo, str]] = []
    skipped: list[str] = []
    for info in infos:
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        rel = info.filename[len(prefix) :] if info.filename.startswith(prefix) else None
        if rel is None or not (rel in _KEEP or _BLOB_RE.match(rel)):
            skipped.append(info.filename)  # derived caches, the lock, anything a session does not hold
            continue
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: written without a type (writestr, other OSes)
            raise InvalidInput(
                f"{zip_path.name}: {info.filename!r} is a link or a special file; nothing was imported."
            )
        cap = _MEMBER_MAX.get(rel, MAX_IMAGE_BYTES)
        if info.file_size > cap:
            raise InvalidInput(
                f"{zip_path.name}: {info.filename!r} would expand to {info.file_size / 2**20:.0f} MiB, "
                f"more than a session's {_WHAT.get(rel, 'image')} can be "
                f"({cap / 2**20:.0f} MiB); nothing was imported."
            )
        members.append((info, rel))
    return prefix, members, skipped


def _check_name(filename: str, zip_path: Path) -> None:
    path = PurePosixPath(filename)
    bad = (
        not filename
        or "\x00" in filename
        or "\\" in filename
        or path.is_absolute()
        or ".." in path.parts
        or re.match(r"^[A-Za-z]:", filename) is not None
    )
    if bad:
        raise InvalidInput(
            f"{zip_path.name} holds the entry {filename!r}, which points outside its folder; "
            "nothing was imported."
        )


def _header(zf: zipfile.ZipFile, member: str, zip_path: Path) -> SessionHeader:
    try:
        info = zf.getinfo(member)
        if info.file_size > HEADER_MAX_BYTES:
            raise InvalidInput(
                f"{zip_path.name}: {member} would expand to {info.file_size / 2**20:.0f} MiB, more than "
                f"a session header can be ({HEADER_MAX_BYTES // 2**20} MiB); nothing was imported."
            )
        with zf.open(info) as src:  # read at most the cap, whatever the entry claims
            data = src.read(HEADER_MAX_BYTES + 1)
        if len(data) > HEADER_MAX_BYTES:
            raise InvalidInput(f"{zip_path.name}: {member} is larger than a session header can be.")
        raw = json.loads(data)
        return SessionHeader.model_validate(migrate_header(raw, Path(member)))
    except KeyError:
        raise InvalidInput(f"{zip_path.name} holds no readable {member}; nothing was imported.") from None
    except (ValueError, UnicodeDecodeError, RecursionError, zipfile.BadZipFile, EOFError):
        raise InvalidInput(
            f"{zip_path.name}: {member} is damaged (not valid JSON); nothing was imported."
        ) from None
    except ValidationError as exc:
        raise InvalidInput(
            f"{zip_path.name}: {member} is not a valid session header: {first_error(exc)}"
        ) from None


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> None:
    """Copy one member by streaming; the zip's declared size bounds what is read."""
    with storage_errors("write", dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            with zf.open(info) as src:
                while chunk := src.read(1 << 20):
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view) :]
            os.fsync(fd)
        except (zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise InvalidInput(
                f"{info.filename!r} in the zip is damaged ({exc}); nothing was imported."
            ) from None
        finally:
            os.close(fd)

"""Session folders: ``session.json`` (header), ``journal.jsonl`` (conversation), ``blobs/`` (images).

A folder is self-contained: copy it to another home and it opens there.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from session_tui.domain.model import (
    Checkpoint,
    Session,
    SessionHeader,
    Turn,
    first_error,
    parent_label,
    validate_name,
)
from session_tui.errors import AlreadyExists, CorruptSession, InvalidInput, NotFound
from session_tui.media.userfiles import read_regular
from session_tui.paths import HOME_FILES
from session_tui.store import migrations
from session_tui.store.atomic import atomic_write, fsync_dir, storage_errors
from session_tui.store.blobs import BlobStore
from session_tui.store.journal import Journal
from session_tui.store.lock import SessionLock
from session_tui.store.migrations import migrate_header, migrate_record

T = TypeVar("T")

HEADER = "session.json"
JOURNAL = "journal.jsonl"
BLOBS = "blobs"
LOCK = ".lock"
# A header holds settings, a character spec and at most 14 references: far below this. A larger
# one is damage (or a zip bomb), refused before it is read whole.
HEADER_MAX_BYTES = 16 * 2**20


# A pending turn's record holds what a crash must not lose (the prompt, its parameters, where it
# was going); everything else is written once, when the turn ends. Fields left out take their
# defaults when read, and schema_version is always written, so migrations can tell the record's age.
PENDING_FIELDS = frozenset(
    {
        "schema_version",
        "index",
        "prompt",
        "prompt_sent",
        "params",
        "provider",
        "kind",
        "model",
        "status",
        "started_at",
        "series",
    }
)


def dump_json(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def turn_record(turn: Turn) -> dict[str, Any]:
    """The journal record of ``turn``: whole once it has ended, PENDING_FIELDS while it is pending."""
    return turn.model_dump(mode="json", include=set(PENDING_FIELDS) if turn.status == "pending" else None)


class SessionDir:
    """One session's folder and the only code that reads or writes it."""

    def __init__(self, path: Path, lock_timeout_s: float = 3.0) -> None:
        self.path = path
        self.name = path.name
        self.blobs = BlobStore(path / BLOBS)
        self.journal = Journal(path / JOURNAL)
        self.lock_timeout_s = lock_timeout_s

    def lock(self) -> SessionLock:
        return SessionLock(self.path / LOCK, self.name, self.lock_timeout_s)

    def read_header(self) -> SessionHeader:
        path = self.path / HEADER
        if path.is_symlink():
            raise CorruptSession(
                f"{path} is a symbolic link; session-tui does not follow links inside a session "
                f"folder (run 'session-tui check {self.name}')."
            )
        try:
            raw = json.loads(read_regular(path, HEADER_MAX_BYTES, follow_links=False))
        except FileNotFoundError:
            raise NotFound(f"{self.path} is not a session-tui session (no {HEADER}).") from None
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: damage, not a crash
            raise CorruptSession(
                f"{path} is damaged (not valid JSON); run 'session-tui check {self.name}'."
            ) from None
        except OSError as exc:  # a folder in its place, no permission
            raise CorruptSession(f"{path} cannot be read ({exc.strerror or exc}).") from None
        try:
            header = SessionHeader.model_validate(migrate_header(raw, path))
        except ValidationError as exc:
            raise CorruptSession(f"{path} is not a valid session header: {first_error(exc)}") from None
        # The folder's name is the session's name, so a copied folder opens under its new name.
        return header.model_copy(update={"name": self.name})

    def write_header(self, header: SessionHeader) -> None:
        atomic_write(self.path / HEADER, _json_bytes(dump_json(header)))

    def load(self, recent: int | None = None) -> Session:
        """The session; with ``recent``, only its newest ``recent`` turns are built, and the others are
        kept in ``Session.earlier`` by their prompt (the TUI shows a few turns of however many)."""
        if recent is None:
            log = self.read_log(_itself)
            return Session(
                header=log.header, turns=log.turns, checkpoints=log.checkpoints, warnings=log.warnings
            )
        held: dict[int, Turn] = {}  # always the highest indices read so far, each its latest record
        lowest = 0  # of held, once it is full

        def keep(turn: Turn) -> tuple[int, str]:
            nonlocal lowest
            index = turn.index
            if index in held:
                held[index] = turn
            elif recent > 0 and (len(held) < recent or index > lowest):
                if len(held) == recent:
                    del held[lowest]
                held[index] = turn
                if len(held) == recent:
                    lowest = min(held)
            return index, turn.prompt

        prompts = self.read_log(keep)
        return Session(
            header=prompts.header,
            turns=[held[i] for i in sorted(held)],
            earlier={i: p for i, p in prompts.turns if i not in held},
            checkpoints=prompts.checkpoints,
            warnings=prompts.warnings,
        )

    def read_log(self, keep: Callable[[Turn], T]) -> SessionLog[T]:
        """The session as its journal says: for each turn, ``keep`` of its latest valid record.

        ``keep`` sees every valid record of a turn that has ended as it is read, and a pending
        record only if it is the turn's last one (marked interrupted), so a command that needs a
        little of every turn (show, list) holds that little, not every turn's models: those take
        about three times the memory of the record they are read from.
        """
        header = self.read_header()
        problems: list[str] = []
        turns: dict[int, T] = {}
        # Turns whose last record so far is their pending one: its Turn, or its payload (validated).
        pending: dict[int, Turn | bytes] = {}
        checkpoints: dict[str, Checkpoint] = {}

        def take(turn: Turn) -> None:
            if turn.status == "pending":
                pending[turn.index] = turn
                turns.pop(turn.index, None)
            else:
                pending.pop(turn.index, None)
                turns[turn.index] = keep(turn)

        def consume(payload: bytes) -> bool:
            index = fast_pending(payload)
            if index is not None:
                pending[index] = payload
                turns.pop(index, None)
                return True
            found = fast_record(payload)
            if isinstance(found, Turn):
                take(found)
            elif isinstance(found, Checkpoint):
                checkpoints[found.id] = found
            return found is not None

        for rec in self.journal.read(problems, consume):
            try:
                type_, data = migrate_record(rec.type, rec.data)
                if type_ == "turn":
                    take(Turn.model_validate(data))
                elif type_ == "checkpoint":
                    cp = Checkpoint.model_validate(data)
                    checkpoints[cp.id] = cp
                else:
                    problems.append(f"journal line {rec.line} has an unknown record type {type_!r}")
            except (ValidationError, ValueError) as exc:
                problems.append(
                    f"journal line {rec.line} is not valid and was skipped ({exc.__class__.__name__})"
                )
            except CorruptSession as exc:  # a record from a newer session-tui: skip it, keep the rest
                problems.append(f"journal line {rec.line} was skipped: {exc.message}")
        for index, last in pending.items():  # nobody is finishing these: a crash cut them off
            turn = last if isinstance(last, Turn) else pending_turn(last)
            turn.status = "interrupted"
            turn.error = turn.error or "interrupted before an answer arrived"
            turns[index] = keep(turn)
        return SessionLog(header, [turns[i] for i in sorted(turns)], list(checkpoints.values()), problems)

    def append_turn(self, turn: Turn) -> None:
        self.journal.append("turn", turn_record(turn))

    def append_checkpoint(self, cp: Checkpoint) -> None:
        self.journal.append("checkpoint", dump_json(cp))

    def modified_at(self) -> datetime:
        stamps = [p.stat().st_mtime for p in (self.path / HEADER, self.path / JOURNAL) if p.exists()]
        return datetime.fromtimestamp(max(stamps, default=0)).astimezone()


@dataclass
class SessionLog(Generic[T]):
    """A session as read from its folder, each turn as ``SessionDir.read_log`` was asked to keep it."""

    header: SessionHeader
    turns: list[T]  # in order of their index
    checkpoints: list[Checkpoint]
    warnings: list[str]


def _itself(turn: Turn) -> Turn:
    return turn


# Only for a payload not laid out as encode() writes it (see fast_record), which encode() never
# writes: pydantic builds their validators at the first such payload, not at import.
_DEFERRED = ConfigDict(defer_build=True)


class _TurnRecord(BaseModel):
    model_config = _DEFERRED

    type: Literal["turn"]
    data: Turn


class _CheckpointRecord(BaseModel):
    model_config = _DEFERRED

    type: Literal["checkpoint"]
    data: Checkpoint


_RECORD: TypeAdapter[_TurnRecord | _CheckpointRecord] = TypeAdapter(
    Annotated[_TurnRecord | _CheckpointRecord, Field(discriminator="type")], config=_DEFERRED
)

# encode() writes a payload with sorted keys and no spaces, so "data" comes first and "type" last:
# the data can be cut out and handed to its model's own validator, with no record model around it.
_DATA = b'{"data":'
_TURN_END = b',"type":"turn"}'
_CHECKPOINT_END = b',"type":"checkpoint"}'
_PENDING_MARK = b'"status":"pending"'


def _data_of(payload: bytes, end: bytes) -> bytes | None:
    """The data of a payload laid out as encode() writes a record that ends with ``end``, else None.
    A cut that is not one JSON value is refused by the validators (trailing text too), never misread."""
    if payload.startswith(_DATA) and payload.endswith(end):
        return payload[len(_DATA) : -len(end)]
    return None


@functools.cache
def _pending_model() -> type[BaseModel]:
    """Turn's own fields for the keys a pending record holds, and no other key.

    Whatever it accepts, Turn accepts too and builds the same way (the same field definitions and
    config; each other field takes its default, and those are valid), so a pending record it accepts
    is known to be valid without building the Turn, its usage and request models and its empty lists.
    ``started_at`` is required: Turn's default is the time of reading, not shared by a later build.
    Built at the first pending record read, not at import: most commands read none.
    """
    fields: dict[str, Any] = {
        name: (Turn.model_fields[name].annotation, Turn.model_fields[name])
        for name in sorted(PENDING_FIELDS - {"started_at"})
    }
    fields["started_at"] = (Turn.model_fields["started_at"].annotation, ...)
    config: ConfigDict = {**Turn.model_config, "extra": "forbid"}
    return create_model("_PendingTurn", __config__=config, **fields)


def fast_record(payload: bytes) -> Turn | Checkpoint | None:
    """A current-schema record parsed and validated in one step by pydantic's JSON parser; None for
    anything else (older or newer schema, invalid, another type), which the general path handles.

    Strict, so it accepts only what the general path (json, migrations, lax validation) would
    read the same way; it is there because a long session's journal is mostly such records, and
    this is several times faster than json.loads followed by validation.
    """
    found: Any
    try:
        if (data := _data_of(payload, _TURN_END)) is not None:
            found = Turn.__pydantic_validator__.validate_json(data, strict=True)
        elif (data := _data_of(payload, _CHECKPOINT_END)) is not None:
            found = Checkpoint.__pydantic_validator__.validate_json(data, strict=True)
        else:
            found = _RECORD.validate_json(payload, strict=True).data
    except ValueError:  # pydantic's ValidationError is one
        return None
    # Only records already at the version migrations lead to; any other goes through them.
    return found if found.schema_version == migrations.SCHEMA_VERSION else None


def fast_pending(payload: bytes) -> int | None:
    """The index of the pending turn ``payload`` records, when it is valid at the current schema and
    holds nothing but what a pending record holds (``PENDING_FIELDS``); None for anything else.

    A pending record is read only to be replaced by its turn's next one, yet it must be validated
    like any other: this validates it at about half the cost of building its Turn, which
    ``pending_turn`` builds should no record replace it (a crash cut the turn off).
    """
    if _PENDING_MARK not in payload or (data := _data_of(payload, _TURN_END)) is None:
        return None  # not a pending record (or not laid out as encode() writes one): fast_record's
    try:
        found = _pending_model().__pydantic_validator__.validate_json(data, strict=True)
    except ValueError:
        return None
    if found.status != "pending" or found.schema_version != migrations.SCHEMA_VERSION:
        return None
    return int(found.index)


def pending_turn(payload: bytes) -> Turn:
    """The Turn of a payload ``fast_pending`` took; what it accepts, Turn accepts, so this cannot fail."""
    data = payload[len(_DATA) : -len(_TURN_END)]  # fast_pending took only payloads laid out so
    turn: Turn = Turn.__pydantic_validator__.validate_json(data, strict=True)
    return turn


def _json_bytes(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def refuse_home_file_name(name: str) -> None:
    """Refuse a session name that is one of the home's own files (config.toml, keys.json): the
    folder would stand where the file belongs and every command would fail to read it."""
    if name.casefold() in {n.casefold() for n in HOME_FILES}:
        raise InvalidInput(
            f"{name!r} is the name of one of the home's own files, so it cannot name a session; "
            "choose another name."
        )


@dataclass(frozen=True)
class SessionSummary:
    name: str
    path: Path
    provider: str
    model: str
    turns: int
    checkpoints: int
    modified_at: datetime
    parent: str | None
    error: str | None = None
    parent_deleted: bool = False  # the parent was deleted: a session of that name now is another one

    @property
    def parent_link(self) -> str | None:
        """The parent this session's family joins to, or None when it has none (or it was deleted)."""
        return None if self.parent_deleted else self.parent

    @property
    def parent_shown(self) -> str:
        return parent_label(self.parent, deleted=self.parent_deleted) if self.parent else ""


class Store:
    """All sessions of one home."""

    def __init__(self, root: Path, lock_timeout_s: float = 3.0) -> None:
        self.root = root
        self.lock_timeout_s = lock_timeout_s

    def session(self, name: str) -> SessionDir:
        path = self.root / validate_name(name)  # NFC, as the folder was named
        if not (path / HEADER).is_file() or path.is_symlink():
            raise NotFound(f"No session named {name!r} in {self.root}; 'session-tui list' shows them.")
        return SessionDir(path, self.lock_timeout_s)

    def exists(self, name: str) -> bool:
        return (self.root / name / HEADER).exists()

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if not p.name.startswith(".") and not p.is_symlink() and (p / HEADER).is_file()
        )

    def folders(self) -> list[str]:
        """Every folder of the home that is or was a session: ``names()`` plus folders whose header
        is missing or not a file while a journal or images remain (damage ``check`` reports)."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if not p.name.startswith(".")
            and not p.is_symlink()
            and p.is_dir()
            and any(os.path.lexists(p / part) for part in (HEADER, JOURNAL, BLOBS))
        )

    def summaries(self) -> list[SessionSummary]:
        out = []
        for name in self.folders():
            sd = SessionDir(self.root / name, self.lock_timeout_s)
            try:
                s = sd.read_log(lambda turn: None)  # counts only: no turn is kept
                out.append(
                    SessionSummary(
                        name,
                        sd.path,
                        s.header.provider,
                        s.header.model,
                        len(s.turns),
                        len(s.checkpoints),
                        sd.modified_at(),
                        s.header.parent.session if s.header.parent else None,
                        parent_deleted=bool(s.header.parent and s.header.parent.parent_deleted_at),
                    )
                )
            except (CorruptSession, NotFound) as exc:
                out.append(SessionSummary(name, sd.path, "?", "?", 0, 0, sd.modified_at(), None, exc.message))
        return out

    def create(
        self, header: SessionHeader, populate: Callable[[SessionDir], None] | None = None
    ) -> SessionDir:
        """Build the session in a hidden folder, then rename it into place: all or nothing."""
        validate_name(header.name)
        refuse_home_file_name(header.name)
        final = self.root / header.name
        if final.exists():
            raise AlreadyExists(f"A session named {header.name!r} already exists; choose another name.")
        self.refuse_case_twin(header.name)
        staging = self.root / ".tmp" / f"{header.name}.{os.getpid()}.{secrets.token_hex(4)}"
        with storage_errors("create", staging):
            staging.mkdir(parents=True)
        try:
            with storage_errors("create", staging):
                # The lock file exists from the start, so no later command (even a refused one) adds it.
                (staging / LOCK).touch()
            sd = SessionDir(staging, self.lock_timeout_s)
            if populate is not None:
                populate(sd)
            sd.write_header(header)
            with storage_errors("create", final):
                try:
                    # rename() onto an existing non-empty folder fails, so a racing create cannot clobber.
                    os.rename(staging, final)
                except OSError:
                    if final.exists():
                        raise AlreadyExists(
                            f"A session named {header.name!r} already exists; choose another name."
                        ) from None
                    raise
            fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(OSError):
                staging.parent.rmdir()  # a failed create leaves no trace; only removed when empty
            raise
        return SessionDir(final, self.lock_timeout_s)

    def refuse_case_twin(self, name: str) -> None:
        """Refuse ``name`` when a session differs from it only in case: on a case-insensitive file
        system (macOS, Windows) the two would be one folder."""
        twin = next((n for n in self.names() if n.casefold() == name.casefold() and n != name), None)
        if twin is not None:
            raise AlreadyExists(
                f"A session named {twin!r} already exists, which differs from {name!r} only in case; "
                "choose another name."
            )

    def delete(self, name: str) -> None:
        sd = self.session(name)
        with sd.lock():
            trash = self.root / ".tmp" / f"deleted.{name}.{secrets.token_hex(4)}"
            with storage_errors("delete", sd.path):
                trash.parent.mkdir(parents=True, exist_ok=True)
                os.rename(sd.path, trash)
        shutil.rmtree(trash, ignore_errors=True)

"""The append-only journal: one JSON record per line, each fsynced before it is reported saved.

A crash can leave at most a torn last line; readers skip it and the next writer cuts it off.
Each record carries a CRC of its payload so a garbled line is told apart from a valid one.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from session_tui.errors import CorruptSession
from session_tui.store.atomic import fsync_dir, storage_errors


@dataclass(frozen=True)
class Record:
    type: str
    data: dict[str, Any]
    line: int


def _crc(payload: str) -> str:
    return f"{zlib.crc32(payload.encode('utf-8')):08x}"


def encode(type_: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(
        {"type": type_, "data": data}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return f'{{"crc":"{_crc(payload)}","rec":{payload}}}\n'.encode()


_HEAD, _MID = b'{"crc":"', b'","rec":'  # the frame encode() writes around the payload


def decode(line: bytes) -> tuple[str, dict[str, Any]]:
    """Parse one line; raise ValueError if it is not a whole, intact record."""
    rec = _decode_framed(line)
    if rec is None:
        # Not byte-for-byte as encode() frames it: parse, re-serialise canonically, then check.
        obj = json.loads(line)
        if not isinstance(obj, dict) or "rec" not in obj or "crc" not in obj:
            raise ValueError("not a journal record")
        rec = obj["rec"]
        payload = json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if _crc(payload) != obj["crc"]:
            raise ValueError("checksum mismatch")
    if (
        not isinstance(rec, dict)
        or not isinstance(rec.get("type"), str)
        or not isinstance(rec.get("data"), dict)
    ):
        raise ValueError("malformed record")
    return rec["type"], rec["data"]


def _decode_framed(line: bytes) -> Any:
    """The record of a line exactly as encode() wrote it, checked against its CRC; None otherwise."""
    payload = framed_payload(line)
    return None if payload is None else json.loads(payload)


def framed_payload(line: bytes, end: bytes = b"") -> bytes | None:
    """The payload of a line exactly as encode() framed it, if its CRC matches; None otherwise.
    ``end``: what follows the record on ``line`` (its newline, as read from the file).

    Checking the CRC over the payload's own bytes saves re-serialising every record, which was
    most of the time spent loading a long session.
    """
    close = b"}" + end
    if not (line.startswith(_HEAD) and line[16:24] == _MID and line.endswith(close)):
        return None
    payload = line[24 : -len(close)]
    if b"%08x" % zlib.crc32(payload) != line[8:16]:  # _crc's digits, formatted as bytes: no decoding
        return None
    return payload


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(
        self, problems: list[str] | None = None, consume: Callable[[bytes], bool] | None = None
    ) -> Iterator[Record]:
        """Yield intact records; describe skipped lines in ``problems``.

        ``consume`` is offered each intact line's payload first (in order); the lines it takes are
        not yielded. A loader uses it to parse and validate in one step where it can.
        """
        for number, raw in enumerate(self._stream(), start=1):
            if not raw.endswith(b"\n"):  # the last line: cut short by a crash, or whole but unended
                if raw.strip() and whole_record(raw):
                    raw += b"\n"  # its CRC verifies, so it was written whole: keep it
                else:
                    if raw.strip() and problems is not None:
                        problems.append(f"journal line {number} was cut short by a crash and was skipped")
                    break
            if consume is not None:
                framed = framed_payload(raw, b"\n")  # the common line, taken without copying it first
                if framed is not None and consume(framed):
                    continue
            line = raw[:-1]
            if not line or line.isspace():
                continue
            try:
                type_, payload = decode(line)
            except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting is damage too
                if problems is not None:
                    problems.append(f"journal line {number} is damaged and was skipped")
                continue
            yield Record(type_, payload, number)

    @contextmanager
    def _open_regular(self) -> Iterator[BinaryIO | None]:
        """The journal opened for reading (None if it does not exist), refusing a link or anything
        but a regular file (a hostile folder)."""
        try:
            # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            yield None
            return
        except OSError as exc:
            raise CorruptSession(_unreadable(self.path, exc)) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise CorruptSession(_not_regular(self.path))
            with os.fdopen(os.dup(fd), "rb") as fh:
                yield fh
        except OSError as exc:
            raise CorruptSession(_unreadable(self.path, exc)) from None
        finally:
            os.close(fd)

    def _stream(self) -> Iterator[bytes]:
        """The file's lines as read, one at a time: a long journal is never held whole."""
        with self._open_regular() as fh:
            if fh is not None:
                yield from fh

    def read_bytes(self) -> bytes:
        """The whole file (for check and repair, which need every byte)."""
        with self._open_regular() as fh:
            return fh.read() if fh is not None else b""

    def torn_tail(self) -> int:
        """How many bytes after the last newline are a half-written record (0 when those bytes are a
        whole record whose newline alone is missing: that record is kept)."""
        tail = self._tail()
        return 0 if not tail or whole_record(tail) else len(tail)

    def _tail(self) -> bytes:
        """The bytes after the last newline."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return b""
        if size == 0:
            return b""
        # Walk back chunk by chunk: a torn record can be larger than any one chunk (big provider
        # state), and missing part of it would glue the next record onto it.
        end = size
        with self._open_regular() as fh:
            if fh is None:
                return b""
            while end > 0:
                start = max(0, end - (1 << 20))
                fh.seek(start)
                cut = fh.read(end - start).rfind(b"\n")
                if cut != -1:
                    end = start + cut + 1
                    break
                end = start
            fh.seek(end)
            return fh.read(size - end)

    def append(self, type_: str, data: dict[str, Any]) -> None:
        """Append one record durably. The caller holds the session lock."""
        line = encode(type_, data)
        with storage_errors("write to", self.path):
            created = not self.path.exists()
            tail = self._tail()
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise CorruptSession(_not_regular(self.path))
                end = os.lseek(fd, 0, os.SEEK_END)
                if tail and whole_record(tail):
                    line = b"\n" + line  # a whole record whose newline alone is missing: keep it
                elif tail:
                    os.ftruncate(fd, end - len(tail))  # drop the half record a crash left behind
                    end -= len(tail)
                written = 0
                try:
                    while written < len(line):
                        written += os.pwrite(fd, line[written:], end + written)
                    os.fsync(fd)
                except OSError:
                    os.ftruncate(fd, end)  # a failed write leaves the journal as it was
                    raise
            finally:
                os.close(fd)
        if created:
            fsync_dir(self.path.parent)


def whole_record(raw: bytes) -> bool:
    """Whether ``raw`` (one line, without its newline) is an intact record: its CRC verifies."""
    try:
        decode(raw.rstrip(b"\n"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return True


def _not_regular(path: Path) -> str:
    return f"{path} is not a regular file; run 'session-tui check {path.parent.name}'."


def _unreadable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return (
            f"{path} is a symbolic link; session-tui does not follow links inside a session folder "
            f"(run 'session-tui check {path.parent.name}')."
        )
    return f"{path} cannot be read ({exc.strerror or exc})."

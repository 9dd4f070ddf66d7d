"""The journal part of ``session-tui check``: torn tails, damaged lines, records that do not validate."""

from __future__ import annotations

from pydantic import ValidationError

from session_tui.domain.model import Checkpoint, Turn
from session_tui.errors import CorruptSession
from session_tui.store.check_repair import Line, end_last_record, move_damaged
from session_tui.store.check_report import DAMAGED, CheckReport
from session_tui.store.journal import decode
from session_tui.store.migrations import migrate_record
from session_tui.store.sessions import JOURNAL, SessionDir


def _split_journal(data: bytes) -> tuple[list[Line], bytes, bool]:
    """Whole lines (numbered from 1, each marked damaged or not), the torn tail, and whether the last
    line is a whole record whose newline alone is missing (it is then the last of the lines)."""
    parts = data.split(b"\n")
    torn = parts.pop()
    unended = False
    if torn.strip() and _intact(torn):
        parts.append(torn)  # its CRC verifies: written whole, only the newline is missing
        torn, unended = b"", True
    lines = []
    for number, raw in enumerate(parts, start=1):
        lines.append(Line(number, raw, bool(raw.strip()) and not _intact(raw)))
    return lines, torn, unended


def _intact(raw: bytes) -> bool:
    try:
        decode(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return True


def check_journal(
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
    lines, torn, unended = _split_journal(data)
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
                earlier = checkpoints.get(cp.id)
                # A new label or note for the same picture is recorded as a later record: an edit.
                if earlier is not None and (earlier.turn, earlier.image) != (cp.turn, cp.image):
                    report.warnings.append(
                        f"checkpoint id {cp.id} names two pictures; "
                        f"the later record (line {line.number}) wins"
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
        move_damaged(sd, lines, damaged, torn, report)  # rewrites every kept line with its newline
        return turns, checkpoints
    if unended:
        if repair:
            end_last_record(sd, len(lines), report)
        else:
            report.warnings.append(
                f"journal line {len(lines)} is whole but lacks its final newline; it is kept, "
                "and --repair or the next write adds the newline"
            )
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

"""Explicit, ordered schema migrations: each a named function taking version N to N+1.

A file written by a newer session-tui is refused with a sentence, never half-read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from session_tui.domain.model import SCHEMA_VERSION as SCHEMA_VERSION  # tests move it to try a migration
from session_tui.errors import CorruptSession

Migration = Callable[[dict[str, Any]], dict[str, Any]]

# (version it upgrades from, function). Schema 1 is the first released format, so none yet.
HEADER_MIGRATIONS: tuple[tuple[int, Migration], ...] = ()
RECORD_MIGRATIONS: tuple[tuple[int, Migration], ...] = ()


def _upgrade(data: dict[str, Any], steps: tuple[tuple[int, Migration], ...], where: str) -> dict[str, Any]:
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise CorruptSession(f"{where} has a schema_version that is not a number.")
    if version > SCHEMA_VERSION:
        raise CorruptSession(
            f"{where} was written by a newer session-tui (schema {version}, this one reads up to "
            f"{SCHEMA_VERSION}); upgrade session-tui to open it."
        )
    for from_version, step in steps:
        if version == from_version:
            data = step(dict(data))
            version = from_version + 1
            data["schema_version"] = version
    if version != SCHEMA_VERSION:
        # No step led from this version to ours (0, negative, or a gap): refuse rather than guess.
        raise CorruptSession(
            f"{where} has schema {version}, which no migration of this session-tui upgrades."
        )
    return data


def migrate_header(data: Any, path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CorruptSession(f"{path} is not a session header (expected a JSON object).")
    return _upgrade(data, HEADER_MIGRATIONS, str(path))


def migrate_record(type_: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return type_, _upgrade(data, RECORD_MIGRATIONS, f"a {type_} record")

"""Character spec files: reading, checking and writing the TOML a user names."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from session_tui.domain.character import CheckReport, advise, parse_character, template
from session_tui.domain.model import CharacterSpec
from session_tui.errors import InvalidInput
from session_tui.media.userfiles import read_user_file
from session_tui.store.atomic import atomic_write, storage_errors


def _read_toml(path: Path) -> dict[str, Any]:
    where = str(path)
    raw = read_user_file(path, "Character file")
    try:
        text = raw.decode("utf-8-sig")  # a BOM from a Windows editor is harmless
    except UnicodeDecodeError:
        raise InvalidInput(f"Character file {where!r} is not UTF-8 text; save it as UTF-8.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"Character file {where!r} is not valid TOML: {exc}.") from None
    except RecursionError:  # x = [[[[… thousands deep
        raise InvalidInput(f"Character file {where!r} is nested too deeply to be a character spec.") from None


def load_character(path: Path) -> CharacterSpec:
    """Read and validate a spec file."""
    data = _read_toml(path)
    try:
        return parse_character(data, str(path))
    except RecursionError:  # nested just shallow enough for the parser, too deep for validation
        raise InvalidInput(
            f"Character file {str(path)!r} is nested too deeply to be a character spec."
        ) from None


def check_character(path: Path) -> CheckReport:
    spec = load_character(path)
    return CheckReport(spec, advise(spec))


def write_template(path: Path, *, name: str = "", force: bool = False) -> Path:
    """Write the commented template to ``path``; refuses to overwrite unless ``force``."""
    path = path.expanduser()
    if path.is_dir():
        raise InvalidInput(f"{str(path)!r} is a folder; give a file name such as character.toml.")
    if path.exists() and not force:
        raise InvalidInput(f"{str(path)!r} already exists; choose another name or add --force to replace it.")
    if not path.parent.is_dir():
        raise InvalidInput(f"The folder {str(path.parent)!r} does not exist.")
    text = template(name, path.name)
    parse_character(tomllib.loads(text), str(path))  # the template must always be a valid spec
    with storage_errors("write", path):
        atomic_write(path, text.encode("utf-8"))
    return path

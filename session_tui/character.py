"""Character spec files (TOML, UTF-8, any language)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from session_tui.errors import InvalidInput
from session_tui.model import CharacterSpec, first_error
from session_tui.userfiles import read_user_file


def load_character(path: Path) -> CharacterSpec:
    """Read and validate a spec file; the table ``[character]`` or the top level both work."""
    raw = read_user_file(path, "Character file")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(f"Character file {str(path)!r} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"Character file {str(path)!r} is not valid TOML: {exc}.") from None
    if isinstance(data.get("character"), dict):
        data = data["character"]
    try:
        return CharacterSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"Character file {str(path)!r}: {first_error(exc)}") from None

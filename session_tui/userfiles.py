"""Reading files the user names (references, character specs), with one-sentence refusals."""

from __future__ import annotations

from pathlib import Path

from session_tui.errors import InvalidInput


def read_user_file(path: Path, what: str) -> bytes:
    """The bytes of ``path``; ``what`` names it in errors, e.g. "Reference image"."""
    path = path.expanduser()
    try:
        if path.is_dir():
            raise InvalidInput(f"{what} {str(path)!r} is a folder, not a file.")
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{what} {str(path)!r} does not exist.") from None
    except PermissionError:
        raise InvalidInput(f"{what} {str(path)!r} cannot be read (permission denied).") from None
    except OSError as exc:
        raise InvalidInput(f"{what} {str(path)!r} cannot be read ({exc.strerror}).") from None

"""Where things live: the home (config, sessions, logs), movable as one folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "session-tui"
HOME_ENV = "SESSION_TUI_HOME"
CONFIG_FILE = "config.toml"
KEYS_FILE = "keys.json"
# Names at the top of the home that belong to the home itself; the hidden ones ('.logs', '.cache',
# '.tmp', ...) cannot be session names anyway. A session named like one would break every command.
HOME_FILES = frozenset({CONFIG_FILE, KEYS_FILE})


@dataclass(frozen=True)
class Home:
    """The session-tui home. ``--home DIR`` or ``SESSION_TUI_HOME`` moves all of it."""

    root: Path

    @classmethod
    def resolve(cls, flag: str | os.PathLike[str] | None = None) -> Home:
        if flag:
            return cls(Path(flag).expanduser().absolute())
        env = os.environ.get(HOME_ENV)
        if env:
            return cls(Path(env).expanduser().absolute())
        import platformdirs  # imported lazily: only needed for the default home

        return cls(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def keys_file(self) -> Path:
        return self.root / KEYS_FILE

    @property
    def sessions_dir(self) -> Path:
        # Sessions sit at the top of the home (the repo's sessions/ is such a home); session names
        # cannot start with '.', so the home's own files and hidden folders never clash with one.
        return self.root

    @property
    def logs_dir(self) -> Path:
        return self.root / ".logs"

    @property
    def screenshots_dir(self) -> Path:
        """Where the TUI's Screenshot command saves (SVG files)."""
        return self.root / ".screenshots"

    @property
    def cache_dir(self) -> Path:
        """What can be computed again (scaled copies of large inputs); deleting it only costs time."""
        return self.root / ".cache"

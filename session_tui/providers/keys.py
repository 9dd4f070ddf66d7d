"""API keys: from the environment variable a profile names, or from a keys file kept at mode 0600.

A service's usual variable (``OPENAI_API_KEY``, ``GEMINI_API_KEY``, ``OPENROUTER_API_KEY``) is used
only for that service's own host, so a default OpenAI key never reaches a gateway that did not ask
for it by name.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from session_tui.config import Profile
from session_tui.errors import ConfigError, InvalidInput
from session_tui.media.userfiles import read_regular
from session_tui.paths import Home
from session_tui.providers.catalog import GEMINI_HOST, GEMINI_KINDS, GEMINI_URL, OPENAI_URL, host_of
from session_tui.store.atomic import atomic_write

KEYS_MODE = 0o600
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

# host -> the variables that service's own tools read, in order.
DEFAULT_ENV: dict[str, tuple[str, ...]] = {
    "api.openai.com": ("OPENAI_API_KEY",),
    GEMINI_HOST: ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "openrouter.ai": ("OPENROUTER_API_KEY",),
}


def default_base_url(kind: str) -> str:
    return GEMINI_URL if kind in GEMINI_KINDS else OPENAI_URL


def effective_base_url(profile: Profile) -> str:
    """The base URL requests are made under. Gemini's kinds add ``/v1beta/…`` themselves, so a
    configured URL that already ends in it is cut back to the service root."""
    url = (profile.base_url or default_base_url(profile.kind)).rstrip("/")
    if profile.kind in GEMINI_KINDS:
        url = url.removesuffix("/v1beta").rstrip("/")
    return url


@dataclass(frozen=True)
class KeySource:
    """Where a profile's key comes from, described without the key."""

    where: str  # "env" or "keys-file"
    name: str  # the variable or the keys file entry

    def describe(self, home: Home) -> str:
        return f"${self.name}" if self.where == "env" else f"{home.keys_file} [{self.name}]"


def candidates(profile: Profile, name: str | None = None) -> list[KeySource]:
    """The places a key is looked for, in order."""
    found: list[KeySource] = []
    if profile.api_key_env:
        found.append(KeySource("env", profile.api_key_env))
    for entry in (name, profile.api_key_env):
        if entry:
            found.append(KeySource("keys-file", entry))
    for env in DEFAULT_ENV.get(host_of(effective_base_url(profile)), ()):
        if env != profile.api_key_env:
            found += [KeySource("env", env), KeySource("keys-file", env)]
    return list(dict.fromkeys(found))


def _exposure(mode: int) -> str:
    """What a keys file's mode lets others do, in words (0o620: group-writable, not readable)."""
    readable = mode & 0o044
    writable = mode & 0o022
    if readable and writable:
        return "can be read and changed by other users"
    if readable:
        return "can be read by other users"
    if writable:
        return "can be changed by other users (group- or world-writable)"
    return "can be used by other users (an execute bit is set)"


def read_keys(home: Home) -> dict[str, str]:
    """The keys file's entries; refuses a file that other users can read."""
    path = home.keys_file
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read the keys file {path}: {exc.strerror}.") from None
    if st.st_mode & 0o077:
        raise ConfigError(f"The keys file {path} {_exposure(st.st_mode)}; run: chmod 600 {path}")
    try:
        # Regular files only, opened non-blocking: a FIFO in its place must not hang every command.
        data = json.loads(read_regular(path, 2**20))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        raise ConfigError(f"The keys file {path} is damaged (not a JSON object of names to keys).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The keys file {path} is damaged (not a JSON object of names to keys).")
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and v}


def lookup(profile: Profile, home: Home, name: str | None = None) -> tuple[str, KeySource] | None:
    keys: dict[str, str] | None = None
    for source in candidates(profile, name):
        if source.where == "env":
            value = os.environ.get(source.name, "").strip()
        else:
            keys = read_keys(home) if keys is None else keys
            value = keys.get(source.name, "").strip()
        if value:
            return value, source
    return None


def resolve_api_key(profile: Profile, home: Home, name: str | None = None) -> str:
    """The key for ``profile`` (``name`` is its profile name, for the keys file), or ConfigError."""
    found = lookup(profile, home, name)
    if found is not None:
        return found[0]
    who = f"provider {name!r}" if name else f"the {profile.kind} profile"
    if profile.api_key_env:
        hint = f"set the environment variable {profile.api_key_env}"
    else:
        defaults = DEFAULT_ENV.get(host_of(effective_base_url(profile)))
        hint = (
            f"set {defaults[0]}"
            if defaults
            else f'add api_key_env = "VARIABLE" to the profile in {home.config_file}'
        )
    entry = name or profile.api_key_env or "NAME"
    raise ConfigError(f"No API key for {who}: {hint}, or run 'session-tui keys set {entry}'.")


def validate_key_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise InvalidInput(
            f"Key name {name!r} is not allowed; use a profile name or a variable name "
            "(letters, digits, '_', '-', '.')."
        )
    return name


def save_key(home: Home, name: str, value: str) -> Path:
    """Store ``value`` under ``name`` in the keys file, created (and kept) at mode 0600."""
    validate_key_name(name)
    value = value.strip()
    if not value:
        raise InvalidInput("The key is empty; nothing was saved.")
    if any(c.isspace() for c in value):
        raise InvalidInput("The key contains spaces or line breaks; paste only the key itself.")
    keys = read_keys(home)
    keys[name] = value
    _write(home, keys)
    return home.keys_file


def remove_key(home: Home, name: str) -> bool:
    keys = read_keys(home)
    if name not in keys:
        return False
    del keys[name]
    _write(home, keys)
    return True


def _write(home: Home, keys: dict[str, str]) -> None:
    path = home.keys_file
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(keys, indent=2, sort_keys=True) + "\n").encode(), mode=KEYS_MODE)
    # atomic_write honours the umask, which can only remove bits; make the mode exact anyway.
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)

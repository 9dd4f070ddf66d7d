"""Provider profiles and keys as the CLI manages them: the engine's door to ``providers/``."""

from session_tui.providers.keys import lookup, read_keys, remove_key, save_key, validate_key_name
from session_tui.providers.network import public_url
from session_tui.providers.registry import create_provider

__all__ = [
    "create_provider",
    "lookup",
    "public_url",
    "read_keys",
    "remove_key",
    "save_key",
    "validate_key_name",
]

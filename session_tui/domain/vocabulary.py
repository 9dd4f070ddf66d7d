"""The fixed words and limits of the domain, as plain data.

Kept apart from ``model.py`` so that building the command line (choices, help texts) does not
import pydantic: ``--version`` and ``--help`` stay fast. ``model.py`` re-exports all of them.
"""

from __future__ import annotations

ASPECT_RATIOS: tuple[str, ...] = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGE_SIZES: tuple[str, ...] = ("1K", "2K", "4K")
SEED_MAX = 2**32 - 1
MAX_REFERENCES = 14
NAME_MAX = 100
REFERENCE_ROLES: tuple[str, ...] = ("front", "side", "back", "face", "outfit", "style", "promoted", "other")
# The provider kinds a profile may name; providers/registry.py maps each to its class.
PROVIDER_KINDS: tuple[str, ...] = (
    "offline",
    "openai-chat",
    "openai-images",
    "openai-responses",
    "gemini",
    "comfyui",
    "sdwebui",
)

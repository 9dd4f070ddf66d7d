"""The fixed words and limits of the domain, as plain data.

Kept apart from ``model.py`` so that building the command line (choices, help texts) does not
import pydantic: ``--version`` and ``--help`` stay fast. ``model.py`` re-exports all of them.
"""

from __future__ import annotations

# The ten ratios every Gemini 3 image model takes, and the sizes of Gemini 3 Pro Image.
BASE_RATIOS: tuple[str, ...] = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
BASE_SIZES: tuple[str, ...] = ("1K", "2K", "4K")
# Every ratio and size some model family takes (Gemini 3.1 Flash Image adds the tall and wide ratios
# and 512); a provider's capabilities say which of them its model offers.
ASPECT_RATIOS: tuple[str, ...] = (*BASE_RATIOS, "1:4", "4:1", "1:8", "8:1")
IMAGE_SIZES: tuple[str, ...] = ("512", *BASE_SIZES)
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
    "gemini-interactions",
)
# The model families providers/catalog.py describes, by the name a profile's ``family`` key uses.
MODEL_FAMILIES: tuple[str, ...] = (
    "gemini-3-pro-image",
    "gemini-3.1-flash-image",
    "gemini-2.5-flash-image",
    "gpt-image-2",
    "gpt-image",
    "flux",
)

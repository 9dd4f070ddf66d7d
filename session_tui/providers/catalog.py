"""What each model family can do, so parameters are refused before anything is sent.

Model ids are configuration (they change often); this table only recognises families by the
shape of their id, and an unknown model gets the lenient defaults with a note saying so.
Everything here is plain data: no SDK import, so ``session-tui providers`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from session_tui.domain.vocabulary import ASPECT_RATIOS, IMAGE_SIZES, MAX_REFERENCES
from session_tui.providers.base import Capabilities

OPENAI_URL = "https://api.openai.com/v1"
GEMINI_URL = "https://generativelanguage.googleapis.com"
GEMINI_HOST = "generativelanguage.googleapis.com"

# GPT Image sizes: the three fixed shapes, named by the ratio they have.
GPT_IMAGE_SIZES = {"1:1": "1024x1024", "3:2": "1536x1024", "2:3": "1024x1536"}
GPT_IMAGE_EDIT_INPUTS = 16  # images.edit takes up to 16 input images


@dataclass(frozen=True)
class Family:
    """A model family as the catalogue knows it."""

    key: str
    description: str
    max_references: int
    image_sizes: tuple[str, ...] = IMAGE_SIZES
    aspect_ratios: tuple[str, ...] = ASPECT_RATIOS
    good_references: int | None = None
    sends_image_size: bool = True  # False where the model has one fixed size and rejects the field


_FAMILIES: tuple[tuple[tuple[str, ...], Family], ...] = (
    (
        ("gemini-3-pro-image", "nano-banana-pro"),
        Family(
            "gemini-3-pro-image",
            "Nano Banana Pro (Gemini 3 Pro Image): up to 14 input images",
            14,
            good_references=11,
        ),
    ),
    (
        ("gemini-3.1-flash-image", "nano-banana-2"),
        Family("gemini-3.1-flash-image", "Nano Banana 2 (Gemini 3.1 Flash Image): up to 14 input images", 14),
    ),
    (
        ("gemini-2.5-flash-image", "nano-banana"),
        Family(
            "gemini-2.5-flash-image",
            "Nano Banana (Gemini 2.5 Flash Image): fixed ~1 MP, best with up to 3 inputs",
            MAX_REFERENCES,
            image_sizes=("1K",),
            good_references=3,
            sends_image_size=False,
        ),
    ),
    (
        ("gpt-image", "chatgpt-image"),
        Family(
            "gpt-image",
            "OpenAI GPT Image: no seed, sizes 1024x1024, 1536x1024, 1024x1536",
            # images.edit takes 16 inputs and one of them is the image being edited
            GPT_IMAGE_EDIT_INPUTS - 1,
            image_sizes=("1K",),
            aspect_ratios=tuple(GPT_IMAGE_SIZES),
        ),
    ),
)

_UNKNOWN = Family("unknown", "model not in session-tui's catalogue: limits are not checked", MAX_REFERENCES)


def family(model: str) -> Family:
    """The family of a model id, ignoring a gateway's vendor prefix (``google/…``) and ``models/``."""
    bare = model.strip().lower().rsplit("/", 1)[-1]
    for prefixes, fam in _FAMILIES:
        if bare.startswith(prefixes):
            return fam
    return _UNKNOWN


def host_of(url: str | None) -> str:
    return (urlsplit(url).hostname or "").lower() if url else ""


def is_gemini_openai_compat(base_url: str | None, model: str) -> bool:
    """Gemini's OpenAI-compatible endpoint documents images.generate only (no edit)."""
    return host_of(base_url) == GEMINI_HOST or model.strip().lower().rsplit("/", 1)[-1].startswith(
        ("gemini", "imagen")
    )


def capabilities_for(kind: str, model: str, base_url: str | None, max_references: int | None) -> Capabilities:
    """What a profile can do: the model family's limits, narrowed by the kind and the profile."""
    fam = family(model)
    limit = fam.max_references
    multi_turn = True
    description = fam.description
    sizes, ratios = fam.image_sizes, fam.aspect_ratios
    if kind == "openai-images" and is_gemini_openai_compat(base_url, model):
        limit, multi_turn = 0, False
        description = f"{description}; Gemini's OpenAI-compatible images endpoint generates from text only"
    elif kind in ("openai-images", "openai-responses") and fam is _UNKNOWN:
        # The image tool and images endpoint take GPT Image sizes whatever the model is called.
        sizes, ratios = ("1K",), tuple(GPT_IMAGE_SIZES)
        limit = GPT_IMAGE_EDIT_INPUTS - 1
        description = "OpenAI image generation: no seed, sizes 1024x1024, 1536x1024, 1024x1536"
    if max_references is not None:
        limit = min(limit, max_references) if fam is not _UNKNOWN else max_references
    return Capabilities(
        multi_turn=multi_turn,
        max_references=min(limit, MAX_REFERENCES),
        # Gemini's seed is "best effort" and does not reproduce images; OpenAI image models have none.
        seed_honoured=False,
        image_sizes=sizes,
        aspect_ratios=ratios,
        description=description,
        good_references=fam.good_references,
    )

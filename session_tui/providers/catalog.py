"""What each model family can do, so parameters are refused before anything is sent.

Model ids are configuration (they change often); this table only recognises families by the
shape of their id, and an unknown model gets the lenient defaults with a note saying so. A
profile can name its family (``family = "…"``) and override what the family says (ratios,
sizes, reference limit, seed). Everything here is plain data: no SDK import, so
``session-tui providers`` stays fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from session_tui.domain.vocabulary import (
    ASPECT_RATIOS,
    BASE_RATIOS,
    BASE_SIZES,
    IMAGE_SIZES,
    MAX_REFERENCES,
    MODEL_FAMILIES,
)
from session_tui.providers.base import Capabilities

OPENAI_URL = "https://api.openai.com/v1"
GEMINI_URL = "https://generativelanguage.googleapis.com"
GEMINI_HOST = "generativelanguage.googleapis.com"
GEMINI_KINDS = ("gemini", "gemini-interactions")

# GPT Image sizes: the three fixed shapes, named by the ratio they have.
GPT_IMAGE_SIZES = {"1:1": "1024x1024", "3:2": "1536x1024", "2:3": "1024x1536"}
GPT_IMAGE_EDIT_INPUTS = 16  # images.edit takes up to 16 input images
# gpt-image-2 takes any WIDTHxHEIGHT: both sides multiples of 16, long/short at most 3, no edge over
# 3840 and at most 3840×2160 pixels (openai-python image_generate_params.py; the guide's lower bound).
FREE_SIZE_STEP = 16
FREE_SIZE_MAX_EDGE = 3840
FREE_SIZE_MAX_PIXELS = 3840 * 2160
FREE_SIZE_MIN_PIXELS = 655_360
FREE_SIZE_MAX_RATIO = 3.0
# The pixel area each size asks for (Gemini's 1K is about a megapixel, 2K four).
FREE_SIZE_AREA = {"1K": 1024 * 1024, "2K": 2048 * 2048, "4K": FREE_SIZE_MAX_PIXELS}


@dataclass(frozen=True)
class Family:
    """A model family as the catalogue knows it."""

    key: str
    description: str
    max_references: int
    image_sizes: tuple[str, ...] = BASE_SIZES
    aspect_ratios: tuple[str, ...] = BASE_RATIOS
    good_references: int | None = None
    sends_image_size: bool = True  # False where the model has one fixed size and rejects the field
    seed_honoured: bool = False
    free_size: bool = False  # any WIDTHxHEIGHT within the gpt-image-2 limits, chosen from ratio and size
    output_modalities: tuple[str, ...] = ("image", "text")  # what OpenRouter is asked for


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
        Family(
            "gemini-3.1-flash-image",
            "Nano Banana 2 (Gemini 3.1 Flash Image): up to 14 input images, sizes from 512, "
            "ratios to 1:8 and 8:1",
            14,
            image_sizes=IMAGE_SIZES,
            aspect_ratios=ASPECT_RATIOS,
        ),
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
        ("gpt-image-2", "chatgpt-image-2"),
        Family(
            "gpt-image-2",
            "OpenAI GPT Image 2: no seed, any size up to 3840x2160 (chosen from ratio and size)",
            GPT_IMAGE_EDIT_INPUTS - 1,
            image_sizes=BASE_SIZES,
            aspect_ratios=BASE_RATIOS,
            free_size=True,
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
    (
        ("flux",),
        Family(
            "flux",
            "FLUX (Black Forest Labs) through a gateway: answers with images only",
            MAX_REFERENCES,
            output_modalities=("image",),
        ),
    ),
)

_UNKNOWN = Family(
    "unknown",
    "model not in session-tui's catalogue: limits are not checked",
    MAX_REFERENCES,
    image_sizes=IMAGE_SIZES,
    aspect_ratios=ASPECT_RATIOS,
)
assert tuple(fam.key for _, fam in _FAMILIES) == MODEL_FAMILIES, "domain.vocabulary names every family"


def bare_model(model: str) -> str:
    """A model id without a gateway's vendor prefix (``google/…``) or ``models/``, lower case."""
    return model.strip().lower().rsplit("/", 1)[-1]


def family(model: str, key: str | None = None) -> Family:
    """The family of a model id (or the family ``key`` a profile names)."""
    if key:
        return next((fam for _, fam in _FAMILIES if fam.key == key), _UNKNOWN)
    bare = bare_model(model)
    for prefixes, fam in _FAMILIES:
        if bare.startswith(prefixes):
            return fam
    return _UNKNOWN


def host_of(url: str | None) -> str:
    return (urlsplit(url).hostname or "").lower() if url else ""


def is_gemini_openai_compat(base_url: str | None, model: str) -> bool:
    """Gemini's OpenAI-compatible endpoint documents images.generate only (no edit)."""
    return host_of(base_url) == GEMINI_HOST or bare_model(model).startswith(("gemini", "imagen"))


def capabilities_for(
    kind: str,
    model: str,
    base_url: str | None,
    max_references: int | None,
    *,
    family_key: str | None = None,
    aspect_ratios: tuple[str, ...] | None = None,
    image_sizes: tuple[str, ...] | None = None,
    seed_honoured: bool | None = None,
) -> Capabilities:
    """What a profile can do: the model family's limits, narrowed by the kind, then the profile's
    own overrides (which win: they are how a new model is used before the catalogue knows it)."""
    fam = family(model, family_key)
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
        seed_honoured=fam.seed_honoured if seed_honoured is None else seed_honoured,
        image_sizes=image_sizes or sizes,
        aspect_ratios=aspect_ratios or ratios,
        description=description,
        good_references=fam.good_references,
        family=fam.key,
    )


def free_size(aspect_ratio: str, image_size: str) -> str:
    """The ``WIDTHxHEIGHT`` a free-size model (gpt-image-2) is asked for: the ratio asked for at the
    area of the size asked for, both sides multiples of 16, within the model's limits."""
    w_part, _, h_part = aspect_ratio.partition(":")
    ratio = int(w_part) / int(h_part)
    if max(ratio, 1 / ratio) > FREE_SIZE_MAX_RATIO:
        raise ValueError(f"aspect ratio {aspect_ratio} is beyond 3:1")
    area = min(FREE_SIZE_AREA.get(image_size, FREE_SIZE_AREA["1K"]), FREE_SIZE_MAX_PIXELS)
    width, height = math.sqrt(area * ratio), math.sqrt(area / ratio)
    scale = min(1.0, FREE_SIZE_MAX_EDGE / max(width, height))
    width, height = width * scale, height * scale

    def snap(side: float) -> int:
        return max(FREE_SIZE_STEP, int(side // FREE_SIZE_STEP) * FREE_SIZE_STEP)

    w, h = snap(width), snap(height)
    while w * h < FREE_SIZE_MIN_PIXELS:  # a rounding below the floor: one step up on both sides
        w, h = w + FREE_SIZE_STEP, h + FREE_SIZE_STEP
    return f"{w}x{h}"


def check_free_size(size: str) -> str | None:
    """Why ``size`` is not a valid gpt-image-2 size, or None."""
    w_text, sep, h_text = size.partition("x")
    if not sep or not (w_text.isdigit() and h_text.isdigit()):
        return f"{size!r} is not WIDTHxHEIGHT"
    w, h = int(w_text), int(h_text)
    if w % FREE_SIZE_STEP or h % FREE_SIZE_STEP:
        return f"{size} has a side that is not a multiple of {FREE_SIZE_STEP}"
    if max(w, h) > FREE_SIZE_MAX_EDGE or w * h > FREE_SIZE_MAX_PIXELS:
        return f"{size} is over 3840x2160"
    if max(w, h) / min(w, h) > FREE_SIZE_MAX_RATIO:
        return f"{size} is longer than 3:1"
    return None

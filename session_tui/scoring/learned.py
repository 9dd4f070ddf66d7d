"""The optional learned backend: cosine similarity of image embeddings from a well-known vision model.

``pip install -e '.[vision]'`` adds torch and transformers; nothing here imports them until a
function needs them, so the rest of session-tui never pays for them. The weights of DINOv2-small
(self-supervised, about 90 MB) or CLIP ViT-B/32 (contrastive, about 350 MB) are downloaded on first
use into ``platformdirs.user_cache_dir("session-tui")/models``, with a progress bar, and read from
there afterwards, offline.

The embedding is taken of the character, not the scene: the picture is cropped to the bounding
box of the region ``region.segment`` finds (with a margin) when one stands out. Keep rules and
the palette are checked with the local descriptors, as in the local score.

Its quality could not be measured where this was written (no weights can be downloaded there):
the anchors that turn a cosine into 0-100 (``ANCHORS``) are read off published figures for these
models, not fitted; docs/SCORING.md says so.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from session_tui.errors import InvalidInput
from session_tui.scoring.features import Features

BACKEND = "learned"
EXTRA_HINT = "pip install -e '.[vision]'"


@dataclass(frozen=True)
class ModelInfo:
    repo: str
    kind: str  # "dinov2" or "clip"
    size: str  # roughly, for the download notice
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


MODELS: dict[str, ModelInfo] = {
    "dinov2-small": ModelInfo(
        "facebook/dinov2-small", "dinov2", "90 MB", 224, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    ),
    "clip-vit-b32": ModelInfo(
        "openai/clip-vit-base-patch32",
        "clip",
        "350 MB",
        224,
        (0.48145466, 0.4578275, 0.40821073),
        (0.26862954, 0.26130258, 0.27577711),
    ),
}
DEFAULT_MODEL = "dinov2-small"
# Cosine similarity taken as 0 and as 100: about where unrelated pictures and photos of one subject
# lie for these embeddings in published DreamBench figures (DINO ~0.77, CLIP-I ~0.89 for real
# photos of one subject). A guess, not a fit: it could not be measured here.
ANCHORS: dict[str, tuple[float, float]] = {"dinov2": (0.20, 0.75), "clip": (0.55, 0.90)}
CROP_MARGIN = 0.1


@dataclass(frozen=True)
class Embedder:
    """A vision model ready to embed pictures."""

    name: str
    model: Any  # a torch module: Dinov2Model or CLIPVisionModelWithProjection
    info: ModelInfo


@dataclass(frozen=True)
class LearnedReference:
    """A reference for the learned score: its embedding and (for keep rules) its local features."""

    key: str
    embedding: tuple[float, ...]
    features: Features | None = None


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("session-tui")) / "models"


def _require_extra() -> None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        raise InvalidInput(
            f"The learned score needs torch and transformers, which are not installed: {EXTRA_HINT}."
        ) from None


def _weights_path(info: ModelInfo, folder: Path) -> str:
    """The local folder of the model's weights, downloading them (with a progress bar) the first time."""
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors"]
    try:
        return str(
            snapshot_download(info.repo, cache_dir=folder, allow_patterns=patterns, local_files_only=True)
        )
    except Exception:  # not in the cache yet (huggingface_hub raises several types)
        pass
    print(f"Downloading {info.repo} (about {info.size}, once) into {folder} ...", file=sys.stderr)
    try:
        return str(snapshot_download(info.repo, cache_dir=folder, allow_patterns=patterns))
    except Exception as exc:  # offline, proxy, hub errors: one sentence for all
        raise InvalidInput(
            f"The learned score's model {info.repo} is not in {folder} and could not be downloaded "
            f"({exc.__class__.__name__}): connect to the internet once, or use the local backend."
        ) from None


def load_embedder(name: str = DEFAULT_MODEL, *, folder: Path | None = None) -> Embedder:
    """The named model (MODELS), from the cache or downloaded into it; raises InvalidInput when it cannot."""
    if name not in MODELS:
        raise InvalidInput(f"Unknown learned model {name!r}: choose one of {', '.join(MODELS)}.")
    _require_extra()
    info = MODELS[name]
    path = _weights_path(info, folder or cache_dir())
    import transformers

    loader = transformers.AutoModel if info.kind == "dinov2" else transformers.CLIPVisionModelWithProjection
    try:
        model = loader.from_pretrained(path)
    except Exception as exc:  # damaged download
        raise InvalidInput(
            f"The learned score's model in {path} could not be loaded ({exc.__class__.__name__}); "
            "delete that folder to download it again."
        ) from None
    return Embedder(name, model.eval(), info)


def embedder_from_model(model: Any, kind: str, image_size: int, name: str = "custom") -> Embedder:
    """Wrap an already built model (e.g. a small one made from a config, for tests)."""
    base = next(i for i in MODELS.values() if i.kind == kind)
    info = ModelInfo(base.repo, kind, base.size, image_size, base.mean, base.std)
    return Embedder(name, model.eval(), info)


def _character_crop(small: Any) -> Any:
    """``small`` cropped to the character's bounding box plus CROP_MARGIN, or whole if none stands out."""
    import numpy as np

    from session_tui.media.images import shrink
    from session_tui.scoring.pixels import lab_array
    from session_tui.scoring.region import SEG_SIDE, character_weights, segment

    work = shrink(small, SEG_SIDE)
    weights, found = character_weights(segment(lab_array(np.asarray(work))))
    if not found:
        return small
    ys, xs = np.nonzero(weights > 0.5)
    if len(ys) == 0:
        return small
    sx, sy = small.width / work.width, small.height / work.height
    x0, x1, y0, y1 = xs.min() * sx, (xs.max() + 1) * sx, ys.min() * sy, (ys.max() + 1) * sy
    mx, my = CROP_MARGIN * (x1 - x0), CROP_MARGIN * (y1 - y0)
    box = (
        max(0, int(x0 - mx)),
        max(0, int(y0 - my)),
        min(small.width, int(x1 + mx)),
        min(small.height, int(y1 + my)),
    )
    return small.crop(box)


def _pixels(embedder: Embedder, img: Any) -> Any:
    """The model's input tensor: shortest side resized, centre crop, normalised (as its processor does)."""
    import numpy as np
    import torch
    from PIL import Image

    side = embedder.info.image_size
    scale = side / min(img.size)
    img = img.convert("RGB").resize(
        (max(side, round(img.width * scale)), max(side, round(img.height * scale))), Image.Resampling.BICUBIC
    )
    left, top = (img.width - side) // 2, (img.height - side) // 2
    raw = np.asarray(img.crop((left, top, left + side, top + side)), dtype=np.float32) / 255.0
    array = (raw - np.array(embedder.info.mean, dtype=np.float32)) / np.array(
        embedder.info.std, dtype=np.float32
    )
    return torch.from_numpy(array.transpose(2, 0, 1).copy()).unsqueeze(0)


def embed_small(embedder: Embedder, small: Any, *, crop: bool = True) -> tuple[float, ...]:
    """The unit-length embedding of a picture's ``images.small_copy`` (of its character when ``crop``)."""
    import torch

    pixels = _pixels(embedder, _character_crop(small) if crop else small)
    with torch.no_grad():
        out = embedder.model(pixel_values=pixels)
    vector = out.pooler_output if embedder.info.kind == "dinov2" else out.image_embeds
    vector = torch.nn.functional.normalize(vector[0].float(), dim=0)
    return tuple(float(v) for v in vector)


def embed_image(embedder: Embedder, data: bytes, *, crop: bool = True) -> tuple[float, ...]:
    """Decode ``data`` and embed it; raises InvalidInput when it is not an image."""
    from session_tui.scoring.features import open_small

    try:
        small = open_small(data)
    except Exception as exc:  # Pillow raises many types
        raise InvalidInput(f"The picture could not be decoded ({exc.__class__.__name__}).") from None
    return embed_small(embedder, small, crop=crop)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    import numpy as np

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norm = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y / norm) if norm > 0 else 0.0


def total_of(similarity: float, kind: str) -> int:
    low, high = ANCHORS[kind]
    return round(100 * min(1.0, max(0.0, (similarity - low) / (high - low))))


def score_learned(
    data: bytes,
    references: Sequence[LearnedReference],
    palette: Sequence[str] = (),
    *,
    keep_rules: Sequence[str] = (),
    embedder: Embedder | None = None,
    crop: bool = True,
) -> dict[str, Any]:
    """The learned score of a picture against references: the shape of ``score.compute_score``'s.

    ``embedder``: from ``load_embedder`` (loaded, and downloaded if need be, when None). The total
    is the cosine similarity to the nearest reference mapped through ANCHORS; verdict thresholds are
    the local score's. Keep rules and palette colours are checked with the local descriptors.
    """
    from session_tui.scoring.features import open_small, small_features
    from session_tui.scoring.score import SCORE_VERSION, colour_shares
    from session_tui.scoring.verdict import keep_flags, verdict_of

    if not references:
        raise InvalidInput("The learned score compares pictures with references, and there are none.")
    embedder = embedder or load_embedder()
    try:
        small = open_small(data)
    except Exception as exc:  # Pillow raises many types
        raise InvalidInput(f"The picture could not be decoded ({exc.__class__.__name__}).") from None
    embedding = embed_small(embedder, small, crop=crop)
    similarity, nearest = max(((cosine(embedding, r.embedding), r) for r in references), key=lambda t: t[0])
    features = small_features(small)
    coverage = colour_shares(features, palette) if palette else {}
    flags, checks = keep_flags(features, nearest.features, coverage, keep_rules)
    total = total_of(similarity, embedder.info.kind)
    verdict = verdict_of(total)
    broken = any(f.startswith("keep ") for f in flags)
    if broken and verdict == "consistent":
        from session_tui.scoring.weights import CONSISTENT_FROM

        total, verdict = CONSISTENT_FROM - 1, "drifting"
    details: dict[str, Any] = {
        "nearest_reference": nearest.key,
        "model": embedder.name,
        "cosine": round(similarity, 4),
    }
    if checks:
        details["keep"] = checks
    return {
        "version": SCORE_VERSION,
        "backend": BACKEND,
        "total": total,
        "verdict": verdict,
        "driver": "keep" if broken else "embedding",
        "flags": flags,
        "parts": {"embedding": round(max(0.0, similarity), 3)},
        "details": details,
    }

"""What one picture will cost before it is drawn: interactive and on the provider's batch engine.

The per-token prices are ``domain/prices.py``'s; a picture's output tokens are fixed by the model
and the image size (Google's price list: Gemini 3 Pro Image bills 1,120 tokens for a 1K or 2K
picture and 2,000 for 4K, Gemini 2.5 Flash Image 1,290 for its one size), and Gemini's Batch Mode
bills half. The prompt and the references add a little input (about 560 tokens a reference on
Gemini 3), counted here too, so the figure is an estimate for planning, not an invoice. A model
with no known price or token count is "unknown" (None), never 0; the offline renderer is free.
"""

from __future__ import annotations

from session_tui.domain.prices import price_for

BATCH_DISCOUNT = 0.5  # Gemini Batch Mode: half the interactive price
PROMPT_TOKENS = 300  # an assembled scene prompt, about
REFERENCE_TOKENS = 560  # one input image on Gemini 3 (258 on Gemini 2.5); the larger is assumed

# Model id prefix -> output tokens of one picture by image size ("*": every size).
_IMAGE_TOKENS: dict[str, dict[str, int]] = {
    "gemini-3-pro-image": {"1K": 1120, "2K": 1120, "4K": 2000},
    "gemini-2.5-flash-image": {"*": 1290},
}
BATCH_KINDS = frozenset({"gemini"})  # kinds whose provider documents a batch engine for images


def image_tokens(model: str, image_size: str) -> int | None:
    bare = model.strip().lower().rsplit("/", 1)[-1]
    matches = [p for p in _IMAGE_TOKENS if bare.startswith(p)]
    if not matches:
        return None
    sizes = _IMAGE_TOKENS[max(matches, key=len)]
    return sizes.get(image_size, sizes.get("*"))


def image_cost(
    kind: str, model: str, image_size: str, *, batch: bool = False, references: int = 0
) -> float | None:
    """USD for one picture, or None when the price is unknown or the kind has no batch engine."""
    if kind == "offline":
        return 0.0
    if batch and kind not in BATCH_KINDS:
        return None
    price = price_for(model)
    tokens = image_tokens(model, image_size)
    if price is None or tokens is None:
        return None
    usd = (
        tokens * price.output_per_mtok
        + (PROMPT_TOKENS + references * REFERENCE_TOKENS) * price.input_per_mtok
    ) / 1e6
    return round(usd * (BATCH_DISCOUNT if batch else 1.0), 6)


def format_cost(usd: float | None) -> str:
    """``$1.23`` or ``unknown``; never a misleading ``$0.00`` for an unknown price."""
    if usd is None:
        return "unknown"
    return f"${usd:.2f}" if usd >= 0.1 or usd == 0 else f"${usd:.3f}"

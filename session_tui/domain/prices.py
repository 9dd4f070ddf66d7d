"""What image models cost, in US dollars per million tokens, as published by their makers.

Plain data, used by ``engine/costs.py`` only when the provider catalogue has no ``prices`` table of
its own. Prices change: a profile can override them (``price_input_per_mtok``,
``price_output_per_mtok`` in config.toml). A model missing here has an unknown price, shown as
"unknown", never as 0.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """US dollars per million input (text and image) and output tokens."""

    input_per_mtok: float
    output_per_mtok: float


# Longest prefix wins; ids are compared without a "vendor/" prefix (as OpenRouter writes them).
PRICES: dict[str, Price] = {
    "gpt-image-1-mini": Price(2.50, 8.00),
    "gpt-image-1": Price(10.00, 40.00),
    "gemini-2.5-flash-image": Price(0.30, 30.00),
    "gemini-3-pro-image": Price(2.00, 120.00),
}


def price_for(model: str, table: dict[str, Price] | None = None) -> Price | None:
    """The price of ``model`` by the longest matching prefix of its id, or None if unknown."""
    table = PRICES if table is None else table
    bare = model.rsplit("/", 1)[-1].lower()
    matches = [key for key in table if bare.startswith(key)]
    return table[max(matches, key=len)] if matches else None

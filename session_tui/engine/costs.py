"""What a turn cost: its recorded token usage times the model's price.

Prices come from the provider catalogue's ``prices`` table when it has one, else from
``domain/prices.py``; a profile's ``price_input_per_mtok`` / ``price_output_per_mtok`` override
both. Where the usage or the price is not known the cost is None ("unknown"), never 0; the offline
renderer is free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from session_tui.config import Config
from session_tui.domain.model import Turn
from session_tui.domain.prices import Price, price_for
from session_tui.domain.records import Usage
from session_tui.errors import SessionTuiError

FREE_KINDS = frozenset({"offline"})
# Token counts as the providers name them: OpenAI Images / Responses, chat completions, Gemini.
INPUT_KEYS = ("input_tokens", "prompt_tokens", "promptTokenCount")
OUTPUT_KEYS = ("output_tokens", "completion_tokens", "candidatesTokenCount")


@dataclass(frozen=True)
class Cost:
    """A turn's (or a session's) cost in US dollars; ``usd`` None means unknown."""

    usd: float | None
    free: bool = False
    unknown_turns: int = 0  # in a total: turns whose cost is unknown

    def as_json(self) -> dict[str, object]:
        """``cost`` in ``show --json`` and ``list --json``: ``usd`` null when unknown, never 0."""
        doc: dict[str, object] = {"usd": None if self.usd is None else round(self.usd, 6), "free": self.free}
        if self.unknown_turns:
            doc["unknown_turns"] = self.unknown_turns
        return doc

    def text(self) -> str:
        if self.free:
            return "free"
        if self.usd is None:
            return "cost unknown"
        approx = "≥ " if self.unknown_turns else "≈ "
        return f"{approx}${self.usd:.3f}"


def catalog_prices() -> dict[str, Price] | None:
    """The catalogue's ``prices`` table, if the providers package has one (read lazily)."""
    from session_tui.providers import catalog

    table = getattr(catalog, "prices", None) or getattr(catalog, "PRICES", None)
    if not isinstance(table, Mapping):
        return None
    out: dict[str, Price] = {}
    for model, value in table.items():
        if isinstance(value, Price):
            out[str(model)] = value
        elif hasattr(value, "input_per_mtok") and hasattr(value, "output_per_mtok"):
            out[str(model)] = Price(float(value.input_per_mtok), float(value.output_per_mtok))
        elif isinstance(value, Mapping) and {"input", "output"} <= value.keys():
            out[str(model)] = Price(float(value["input"]), float(value["output"]))
    return out or None


def _count(usage: Usage, keys: Iterable[str]) -> int | None:
    for key in keys:
        value = usage.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value)
    return None


class CostBook:
    """Prices for one configuration; build once per read, then ask per turn."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._catalog = catalog_prices()

    def price(self, profile: str, model: str) -> Price | None:
        try:
            prof = self._config.profile(profile)[1]
        except SessionTuiError:
            prof = None
        base = price_for(model, self._catalog) or price_for(model)
        pin = getattr(prof, "price_input_per_mtok", None)
        pout = getattr(prof, "price_output_per_mtok", None)
        if pin is None and pout is None:
            return base
        if base is None and (pin is None or pout is None):
            return None  # half a price is no price
        return Price(
            pin if pin is not None else base.input_per_mtok,  # type: ignore[union-attr]
            pout if pout is not None else base.output_per_mtok,  # type: ignore[union-attr]
        )

    def turn_cost(self, turn: Turn) -> Cost:
        if turn.kind in FREE_KINDS:
            return Cost(0.0, free=True)
        usage = turn.usage
        stated = usage.cost  # some gateways (OpenRouter) state the charge themselves
        if isinstance(stated, (int, float)) and not isinstance(stated, bool):
            return Cost(float(stated))
        tokens_in, tokens_out = _count(usage, INPUT_KEYS), _count(usage, OUTPUT_KEYS)
        if tokens_in is None and tokens_out is None:
            return Cost(None)
        price = self.price(turn.provider, turn.model)
        if price is None:
            return Cost(None)
        usd = ((tokens_in or 0) * price.input_per_mtok + (tokens_out or 0) * price.output_per_mtok) / 1e6
        return Cost(usd)

    def total(self, costs: Iterable[Cost]) -> Cost:
        """The sum of the known costs, counting the unknown ones."""
        known, unknown, free, count = 0.0, 0, True, 0
        for cost in costs:
            count += 1
            free = free and cost.free
            if cost.usd is None:
                unknown += 1
            else:
                known += cost.usd
        if count and free:
            return Cost(0.0, free=True)
        if count and unknown == count:
            return Cost(None, unknown_turns=unknown)
        return Cost(known, unknown_turns=unknown)

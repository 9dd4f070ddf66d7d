"""`cost` in `show --json` and `list --json`: known prices priced, unknown ones null, never 0 (issue 14)."""

from __future__ import annotations

import json

from consistency_support import cli

from session_tui.config import Config
from session_tui.domain.model import Turn
from session_tui.domain.records import Usage
from session_tui.engine import Engine
from session_tui.engine.costs import CostBook


def turn(model: str, usage: dict[str, int], kind: str = "gemini") -> Turn:
    return Turn(index=1, prompt="p", provider="p", kind=kind, model=model, usage=Usage.of(usage))


def test_a_priced_model_is_priced_and_an_unknown_one_is_null() -> None:
    book = CostBook(Config())
    known = book.turn_cost(
        turn("gemini-3-pro-image", {"promptTokenCount": 1000, "candidatesTokenCount": 1290})
    )
    assert known.usd is not None and known.usd > 0
    unknown = book.turn_cost(turn("some-new-model", {"promptTokenCount": 1000}))
    assert unknown.as_json() == {"usd": None, "free": False}
    assert book.turn_cost(turn("gemini-3-pro-image", {})).usd is None  # no usage: unknown, not free
    total = book.total([known, unknown])
    assert total.as_json()["unknown_turns"] == 1 and total.usd == known.usd


def test_show_and_list_json_carry_the_cost(engine: Engine) -> None:
    engine.new_session("s")
    engine.send("s", "on the beach", seed=1)
    shown = json.loads(cli("show", "s", "--json").out)
    assert shown["cost"] == {"usd": 0.0, "free": True}  # the offline renderer is free
    assert shown["turns"][0]["cost"] == {"usd": 0.0, "free": True}
    listed = json.loads(cli("list", "--json").out)
    assert listed[0]["cost"] == {"usd": 0.0, "free": True}

"""Snapshots of the key screens (pytest-textual-snapshot); review the report before updating."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from conftest import SIZE, eventually, factory, offline_session, settle

from session_tui.domain.model import CharacterSpec
from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.providers.base import GenerationRequest, GenerationResult
from session_tui.providers.offline import OfflineProvider
from session_tui.tui.widgets.image_slot import ImageSlot

STAMP = 1_767_225_600  # 2026-01-01 00:00 UTC


class FixedClock:
    """Every turn takes exactly 1.5 s, so the conversation reads the same on every run."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.5
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("session_tui.engine.turns.time", FixedClock())
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def stamp(root: Path) -> None:
    for path in root.rglob("*"):
        os.utime(path, (STAMP, STAMP))


def images_loaded(app) -> bool:
    """Every picture Textual has drawn (asked for) is in; slots scrolled out of sight are never drawn."""
    slots = [s for screen in app.screen_stack for s in screen.query(ImageSlot)]
    return bool(slots) and all(s.loaded for s in slots if s._requested)


def test_home_screen(engine: Engine, make_app, snap_compare, frozen: None) -> None:
    offline_session(engine, "little-orange", turns=2, character=CharacterSpec(name="Little Orange"))
    engine.approve("little-orange", turn=2, label="best")
    engine.reset("little-orange", checkpoint="best", into="little-orange-r1")
    engine.new_session("little-blue")
    stamp(engine.home.root)

    async def ready(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(engine), terminal_size=SIZE, run_before=ready)


class Sketch(OfflineProvider):
    """The offline provider's name and notice with a fixed picture, so this snapshot does not move
    whenever the offline renderer's drawing is improved."""

    def generate(self, request: GenerationRequest) -> GenerationResult:
        from PIL import Image, ImageDraw

        seed = request.params.seed or 0
        image = Image.new("RGB", (256, 192), (250, 235, 215))
        draw = ImageDraw.Draw(image)
        draw.ellipse((80 + 10 * seed, 40, 176 + 10 * seed, 136), fill=(255, 140, 0))
        draw.rectangle((0, 150, 256, 192), fill=(70, 130, 180))
        out = io.BytesIO()
        image.save(out, "PNG")
        return GenerationResult(images=[out.getvalue()], text=f"A sketch (seed {seed}).", seed_honoured=True)


def test_session_with_two_turns(home: Home, make_app, snap_compare, frozen: None) -> None:
    engine = Engine(home, provider_factory=factory(Sketch, name="offline"))
    offline_session(engine, "little-orange", turns=2, character=CharacterSpec(name="Little Orange"))
    engine.approve("little-orange", turn=1, label="beach", note="the one")

    async def ready(pilot) -> None:
        await settle(pilot)
        assert await eventually(pilot, lambda: images_loaded(pilot.app))
        await settle(pilot)

    assert snap_compare(make_app(engine, start="little-orange"), terminal_size=SIZE, run_before=ready)

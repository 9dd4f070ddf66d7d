"""Pilot helpers: an app on an injected engine, fake providers that fail or wait, and settling."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Select
from textual_image.widget import HalfcellImage

from session_tui.config import Config, Profile
from session_tui.engine import Engine
from session_tui.errors import ProviderError
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider
from session_tui.providers.offline import OfflineProvider
from session_tui.tui.app import SessionTuiApp, read_opening

SIZE = (120, 40)


def pytest_configure(config: pytest.Config) -> None:
    # textual-image 0.12 calls a Pillow method deprecated in Pillow 13; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:Image.Image.getdata is deprecated:DeprecationWarning")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (Pilot needs a loop) without an async plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**args))
    return True


class FailingProvider(Provider):
    """Every request fails the way a real service refuses: a ProviderError with a reason."""

    kind = "fake-failing"
    reason = "The service refused the request: quota exceeded for today."

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=3, seed_honoured=False)

    def label(self) -> str:
        return f"{self.name} (fake failing service)"

    def generate(self, request: GenerationRequest) -> GenerationResult:
        raise ProviderError(self.reason)


class GatedProvider(OfflineProvider):
    """Draws like the offline renderer, but only once the test opens the gate or the user cancels."""

    kind = "fake-gated"
    started: threading.Event
    gate: threading.Event

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.started.set()
        while not (self.gate.is_set() or request.cancel.is_set()):
            self.gate.wait(0.01)
        return super().generate(request)


def factory(cls: type[Provider], **attrs: Any) -> Callable[[Config, str | None, Home], Provider]:
    def make(config: Config, name: str | None, home: Home) -> Provider:
        provider = cls(name or "fake", Profile(kind="offline", model="fake-model"), home)
        for key, value in attrs.items():
            setattr(provider, key, value)
        return provider

    return make


@pytest.fixture
def make_app() -> Callable[..., SessionTuiApp]:
    def make(engine: Engine, start: str | None = None) -> SessionTuiApp:
        return SessionTuiApp(
            engine,
            start=start,
            opening=read_opening(engine, start),
            image_class=HalfcellImage,
            cursor_blink=False,
        )

    return make


async def settle(pilot: Pilot[Any], rounds: int = 6) -> None:
    """Let workers finish and their messages be handled (workers can start workers).

    The short pauses let the screen repaint: images start loading when they are first drawn.
    """
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def eventually(pilot: Pilot[Any], predicate: Callable[[], bool], limit_s: float = 20.0) -> bool:
    """Wait until ``predicate`` holds (a limit, not a timing assertion: slow machines just wait longer)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not predicate():
        if loop.time() > deadline:
            return False
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.02)
    return True


def offline_session(engine: Engine, name: str = "demo", turns: int = 2, **kwargs: Any) -> None:
    engine.new_session(name, **kwargs)
    for i in range(turns):
        engine.send(name, f"scene number {i + 1}", seed=i + 1)


@pytest.fixture
def png(tmp_path: Path) -> Path:
    """A small reference image on disk."""
    from PIL import Image

    path = tmp_path / "front.png"
    Image.new("RGB", (64, 48), (255, 140, 0)).save(path)
    return path


def notifications(app: SessionTuiApp) -> list[str]:
    """Messages of the notifications shown so far (Textual keeps them on the app)."""
    return [n.message for n in app._notifications]


def shown(select: Select[str]) -> list[str]:
    """The labels the Select's drop-down lists: what the user can pick."""
    overlay = select.query_one(OptionList)
    return [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]

"""Drive the TUI headless with Textual's Pilot and time it; prints one JSON line.

    python benchmarks/tui_probe.py first-paint HOME NAME
    python benchmarks/tui_probe.py keys HOME NAME

``first-paint``: from creating the app to the first frame of the session screen with its turns
in it, then to every worker being done (the visible thumbnails decoded). ``keys``: how long each key press takes to be
handled when idle, and while a turn is being drawn by a provider that waits on the network (an
event) or one that keeps the interpreter busy (Python work, as preparing a request is).
Run as its own process so imports and memory are those of `session-tui open`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

START = time.perf_counter()

from textual import events
from textual_image.widget import HalfcellImage

from session_tui.config import Config, Profile
from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.providers.base import GenerationRequest, GenerationResult, Provider
from session_tui.providers.offline import OfflineProvider
from session_tui.tui.app import SessionTuiApp, read_opening

try:
    from session_tui.tui.app import settle_startup_objects
except ImportError:  # an older tree (benchmarks/compare.py) started its app without it

    def settle_startup_objects() -> None:
        pass


from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.prompt_input import PromptInput
from session_tui.tui.widgets.turn_view import TurnView

SIZE = (120, 40)
KEYS = 40
GIVE_UP_S = 60.0


def app_for(engine: Engine, name: str) -> SessionTuiApp:
    """The app as `session-tui open` makes it, up to the moment it starts running."""
    app = SessionTuiApp(
        engine, start=name, opening=read_opening(engine, name), image_class=HalfcellImage, cursor_blink=False
    )
    settle_startup_objects()
    return app


async def first_paint(home: Path, name: str) -> dict[str, Any]:
    imported = time.perf_counter() - START
    start = time.perf_counter()
    app = app_for(Engine(Home(home)), name)
    painted_at: list[float] = []
    drawn: list[int] = []  # how many turns that first frame holds
    display = app._display  # every frame goes through here, headless too (it then writes nothing)

    def frame(screen: Any, update: Any) -> None:
        if (
            not painted_at
            and update is not None
            and isinstance(screen, SessionScreen)
            and screen.query(TurnView)
        ):
            painted_at.append(time.perf_counter())
            drawn.append(len(screen.query(TurnView)))
        display(screen, update)

    app._display = frame  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        while not painted_at:
            if time.perf_counter() - start > GIVE_UP_S:  # e.g. an older tree (compare.py) that cannot
                raise SystemExit(f"no frame with turns after {GIVE_UP_S} s")
            await asyncio.sleep(0.002)
        painted = painted_at[0] - start  # the first frame with the turns in it
        for _ in range(4):  # thumbnails load in workers once their slots are drawn
            await app.workers.wait_for_complete()
            await pilot.pause(0.02)
        settled = time.perf_counter() - start
        return {
            "imports_s": imported,
            "first_paint_s": painted,
            "settled_s": settled,
            "first_frame_turns": drawn[0],
            "turn_views": len(app.screen.query(TurnView)),
            "thumbnails_read": app.thumbnails.reads,
        }


class Held(OfflineProvider):
    """Draws like the offline renderer once released; until then waits, idle or busy."""

    busy = ""  # "", "python" or "encoding"
    started: threading.Event
    release: threading.Event

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.started.set()
        small = {"messages": [{"content": "x" * 200, "n": list(range(50))} for _ in range(200)]}
        # A request body as big as the budget allows: 16 images of 1 MB as base64 data URLs.
        big = {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image_url",
                            "image_url": {"url": "data:image/jpeg;base64," + "QUJD" * 350_000},
                        }
                        for _ in range(16)
                    ],
                }
            ]
        }
        while not (self.release.is_set() or request.cancel.is_set()):
            if self.busy == "python":
                json.dumps(small)  # interpreter work in small steps, like preparing a request
            elif self.busy == "encoding":
                json.dumps(big)  # one long C call that holds the interpreter, like encoding the body
            else:
                self.release.wait(0.01)
        return super().generate(request)


async def key_latency(home: Path, name: str) -> dict[str, Any]:
    started, release = threading.Event(), threading.Event()
    mode = {"busy": ""}

    def factory(config: Config, profile: str | None, h: Home) -> Provider:
        provider = Held(profile or "held", Profile(kind="offline", model="held"), h)
        provider.busy, provider.started, provider.release = mode["busy"], started, release
        return provider

    app = app_for(Engine(Home(home), provider_factory=factory), name)
    out: dict[str, list[float]] = {}
    async with app.run_test(size=SIZE) as pilot:
        while not (isinstance(app.screen, SessionScreen) and app.screen.state is not None):
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()

        async def press(key: str) -> float:
            """Time from a key reaching the app to the prompt showing it. Not Pilot.press: that waits
            for the whole process to go idle, which a busy worker thread never lets happen."""
            prompt = app.screen.query_one(PromptInput)
            before = prompt.text
            event = events.Key(key, key)
            event.set_sender(app)
            start = time.perf_counter()
            app._driver.send_message(event)  # what Pilot does, without its idle wait
            while prompt.text == before:
                await asyncio.sleep(0)
            return time.perf_counter() - start

        async def type_keys(label: str) -> None:
            out[label] = [await press("abcdefghij"[i % 10]) for i in range(KEYS)]
            app.screen.query_one(PromptInput).text = ""

        await type_keys("idle")
        for label, busy in (
            ("drawing, provider waiting on the network", ""),
            ("drawing, provider busy in Python", "python"),
            ("drawing, provider encoding a 22 MB request body", "encoding"),
        ):
            mode["busy"] = busy
            started.clear()
            release.clear()
            await pilot.press(*"one more turn", "enter")
            while not started.is_set():
                await pilot.pause(0.01)
            await type_keys(label)
            assert app.screen.generating, "the turn finished before the keys were typed"
            release.set()
            while app.screen.generating:
                await pilot.pause(0.02)
    return {
        label: {"median_ms": statistics.median(t) * 1000, "p90_ms": sorted(t)[int(len(t) * 0.9)] * 1000}
        for label, t in out.items()
    }


def main() -> int:
    mode, home, name = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    result = asyncio.run(first_paint(home, name) if mode == "first-paint" else key_latency(home, name))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

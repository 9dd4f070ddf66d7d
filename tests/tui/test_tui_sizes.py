"""Snapshots at 80×24 and 120×40: home, session with pictures, every modal, gallery and lineage."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import eventually, factory, offline_session, settle
from test_tui_snapshots import Sketch, frozen, images_loaded, stamp  # noqa: F401  (fixture)

from session_tui.domain.model import CharacterSpec
from session_tui.engine import Engine
from session_tui.paths import Home

SIZES = [(80, 24), (120, 40)]
# What to press in the session before the snapshot: the screen or modal it opens.
VIEWS = {
    "session": [],
    "gallery": ["f5"],
    "compare": ["f5", "space", "left", "space", "enter"],
    "lineage": ["f6"],
    "help": ["f1"],
    "approve": ["ctrl+s"],
    "promote": ["ctrl+r"],
    "fork": ["ctrl+f"],
    "character": ["f2"],
    "add_reference": ["f3"],
    "export": ["f4"],
    "series": ["f7"],
}


def family(home: Home) -> Engine:
    engine = Engine(home, provider_factory=factory(Sketch, name="offline"))
    offline_session(engine, "little-orange", turns=2, character=CharacterSpec(name="Little Orange"))
    engine.approve("little-orange", turn=1, label="beach", note="the scarf reads well at this size")
    engine.approve("little-orange", turn=2, label="park")
    engine.reset("little-orange", checkpoint="park", into="little-orange-r1")
    stamp(home.root)
    return engine


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(home: Home, make_app, snap_compare, frozen: None, size: tuple[int, int]) -> None:  # noqa: F811
    engine = family(home)

    async def ready(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(engine), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_session_views(
    home: Home,
    make_app,
    snap_compare,
    frozen: None,  # noqa: F811
    size: tuple[int, int],
    view: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = family(home)
    # The export form proposes a folder in the working directory: one that is the same on every machine.
    fixed = Path(tempfile.gettempdir()) / "session-tui-snapshots"
    fixed.mkdir(exist_ok=True)
    monkeypatch.chdir(fixed)

    async def ready(pilot) -> None:
        await settle(pilot)
        await eventually(pilot, lambda: images_loaded(pilot.app))
        for key in VIEWS[view]:
            await pilot.press(key)
            await settle(pilot)
        await eventually(pilot, lambda: images_loaded(pilot.app))
        await settle(pilot)

    assert snap_compare(make_app(engine, start="little-orange"), terminal_size=size, run_before=ready)

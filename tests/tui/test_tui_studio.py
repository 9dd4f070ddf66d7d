"""Pilot tests for issue 14: burst Enter, the seed refusal, F5 compare, F6 lineage, a series with Esc."""

from __future__ import annotations

from pathlib import Path

from conftest import GatedProvider, eventually, factory, notifications, offline_session, settle
from textual import events
from textual.widgets import Static

from session_tui.domain.model import CharacterSpec
from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.tui.screens.compare import ComparePanel, CompareScreen
from session_tui.tui.screens.gallery import GalleryCard, GalleryScreen
from session_tui.tui.screens.lineage import LineageScreen
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.image_slot import ImageSlot
from session_tui.tui.widgets.param_bar import ParamBar
from session_tui.tui.widgets.prompt_input import PromptInput
from session_tui.tui.widgets.turn_view import prompt_text, seed_text


async def test_text_then_enter_at_once_is_sent(engine: Engine, make_app) -> None:
    """`tmux send-keys "text" Enter` delivers the keys in one read; the Enter must see the text."""
    offline_session(engine, "demo", turns=0)
    app = make_app(engine, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Queue every key before any is handled, as one read of the terminal would.
        for key in ["a", " ", "k", "i", "t", "e", "enter"]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await eventually(pilot, lambda: engine.load("demo").turn_count == 1)
        await settle(pilot)
        assert engine.load("demo").turns[-1].prompt == "a kite"
        assert not any("empty" in n for n in notifications(app))


async def test_seed_out_of_range_is_refused_and_the_last_good_value_returns(engine: Engine, make_app) -> None:
    offline_session(engine, "demo", turns=0, params=None)
    engine.set_seed("demo", 7)
    app = make_app(engine, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seed = app.screen.query_one("#param-seed")
        seed.focus()
        seed.value = "99999999999"
        await pilot.press("enter")
        await settle(pilot)
        assert seed.value == "7"
        assert engine.load("demo").header.params.seed == 7
        assert any("out of range" in n or "4294967295" in n for n in notifications(app))
        app.screen.query_one(PromptInput).focus()
        app.screen.query_one(PromptInput).text = "a cat"
        await pilot.press("enter")
        await eventually(pilot, lambda: engine.load("demo").turn_count == 1)
        assert engine.load("demo").turns[-1].params.seed == 7


async def test_gallery_marks_two_and_compares_them(engine: Engine, make_app) -> None:
    offline_session(engine, "demo", turns=3, character=CharacterSpec(name="Little Orange"))
    engine.approve("demo", turn=1, label="beach")
    engine.approve("demo", turn=3, label="park", note="the scarf reads well")
    app = make_app(engine, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, GalleryScreen)
        assert len(app.screen.query(GalleryCard)) == 2
        await pilot.press("space", "left", "space", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        panels = list(app.screen.query(ComparePanel))
        assert sorted(p.pick.turn.index for p in panels) == [1, 3]
        await pilot.press("ctrl+s")  # approve from the comparison: the approve form opens
        await settle(pilot)
        assert type(app.screen).__name__ == "ApproveScreen"


async def test_gallery_toggle_shows_every_turn(engine: Engine, make_app) -> None:
    offline_session(engine, "demo", turns=3)
    engine.approve("demo", turn=2)
    app = make_app(engine, start="demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert len(app.screen.query(GalleryCard)) == 1
        await pilot.press("a")
        await settle(pilot)
        assert len(app.screen.query(GalleryCard)) == 3


async def test_lineage_opens_a_child(engine: Engine, make_app) -> None:
    offline_session(engine, "mother", turns=2)
    engine.approve("mother", turn=2, label="best")
    engine.reset("mother", checkpoint="best", into="daughter")
    engine.fork("mother", turn=1, into="son")
    app = make_app(engine, start="mother")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, LineageScreen)
        rows = app.screen.rows()
        assert [r.node.name for r in rows] == ["mother", "daughter", "son"]
        labels = [str(r.query_one(".lineage-label", Static).render()) for r in rows]
        assert "daughter" in labels[1] and "reset from checkpoint cp1" in labels[1]
        assert "son" in labels[2] and "fork at turn 1" in labels[2]
        assert [r.row.first for r in rows] == ["● ", "├─● ", "└─● "]  # the son's line ends the tree
        # every session with a picture has its thumbnail in its row, not only the highlighted one
        thumbs = [r.query(ImageSlot) for r in rows]
        assert all(len(t) == 1 for t in thumbs)
        promoted = engine.load("mother").checkpoints[0].image.sha256
        assert thumbs[1].first().ref.sha256 == promoted  # a reset not sent yet: its promoted image
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.session_name == "daughter"


async def test_series_runs_and_esc_stops_after_the_current_scene(
    home: Home, make_app, tmp_path: Path
) -> None:
    import threading

    gated = {"started": threading.Event(), "gate": threading.Event()}
    engine = Engine(home, provider_factory=factory(GatedProvider, name="offline", **gated))
    engine.new_session("demo")
    scenes = tmp_path / "scenes.txt"
    scenes.write_text("at the beach\nin the park\nin the snow\n")
    app = make_app(engine, start="demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        app.screen.query_one("#series-path").value = str(scenes)
        await pilot.press("ctrl+s")
        assert await eventually(pilot, lambda: gated["started"].is_set())
        screen = app.screen
        assert isinstance(screen, SessionScreen) and screen.generating
        await pilot.press("escape")  # stop after this scene
        gated["gate"].set()
        assert await eventually(pilot, lambda: not screen.generating)
        await settle(pilot)
        session = engine.load("demo")
        assert [t.status for t in session.turns] == ["ok"]
        assert any("stopped" in n for n in notifications(app))


def test_seed_used_is_shown_and_long_prompts_are_cut() -> None:
    from session_tui.domain.model import Turn

    turn = Turn(index=1, prompt="x", provider_state={"seed_used": 42})
    assert seed_text(turn) == "seed 42 (random)"
    long = "word " * 30_000
    text = prompt_text(long, expanded=False).plain
    assert len(text) < 600 and "more characters" in text
    assert prompt_text(long, expanded=True).plain == long


async def test_param_bar_has_seed_at_80_columns(engine: Engine, make_app) -> None:
    offline_session(engine, "demo", turns=1)
    app = make_app(engine, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seed = app.screen.query_one(ParamBar).query_one("#param-seed")
        assert seed.region.width > 0 and seed.region.right <= 80
        await pilot.press("ctrl+t")
        assert app.focused is app.screen.query_one("#conversation")

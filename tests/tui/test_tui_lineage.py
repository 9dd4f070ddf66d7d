"""Approve, jump to a checkpoint, reset by promotion and fork, all from the session screen."""

from __future__ import annotations

from pathlib import Path

from conftest import SIZE, offline_session, settle
from textual.widgets import Input, SelectionList

from session_tui.engine import Engine, RefInput
from session_tui.tui.screens.approve import ApproveScreen
from session_tui.tui.screens.form import TextFormScreen
from session_tui.tui.screens.promote import PromoteScreen
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.checkpoints import CheckpointsPanel
from session_tui.tui.widgets.conversation import Conversation
from session_tui.tui.widgets.turn_view import TurnView


async def test_approve_the_newest_image_with_label_and_note(engine: Engine, make_app) -> None:
    offline_session(engine, turns=2)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        form = app.screen
        assert isinstance(form, ApproveScreen) and form.turn.index == 2
        await pilot.press(*"beach")
        form.query_one("#approve-note", Input).value = "the one"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        [cp] = engine.load("demo").checkpoints
        assert (cp.id, cp.turn, cp.label, cp.note) == ("cp1", 2, "beach", "the one")
        assert [c.id for c in [app.screen.query_one(CheckpointsPanel).highlighted()] if c] == ["cp1"]
        assert "★ cp1 beach" in str(
            app.screen.query_one("#turn-2", TurnView).query_one(".turn-checkpoint").render()
        )


async def test_a_duplicate_label_is_refused_inside_the_form(engine: Engine, make_app) -> None:
    offline_session(engine, turns=2)
    engine.approve("demo", turn=1, label="beach")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s", *"beach", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ApproveScreen)
        assert "already labelled 'beach'" in str(form.query_one("#form-error").render())
        assert len(engine.load("demo").checkpoints) == 1


async def test_enter_on_a_checkpoint_jumps_to_its_turn(engine: Engine, make_app) -> None:
    offline_session(engine, turns=4)
    engine.approve("demo", turn=1, label="first")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#cps-list").focus()
        await pilot.press("enter")
        await settle(pilot)
        conversation = app.screen.query_one(Conversation)
        assert conversation.selected == 1
        assert conversation.view_of(1).has_class("-selected")
        assert conversation.scroll_y < conversation.max_scroll_y


async def test_reset_by_promotion_carries_the_image_chosen_refs_and_spec(
    engine: Engine, make_app, png: Path, tmp_path: Path
) -> None:
    from PIL import Image

    side = tmp_path / "side.png"
    Image.new("RGB", (40, 40), (10, 20, 200)).save(side)
    from session_tui.domain.model import CharacterSpec

    offline_session(
        engine,
        turns=2,
        refs=[RefInput(png, "front"), RefInput(side, "side")],
        character=CharacterSpec(name="Little Orange", hair="orange pigtails"),
    )
    engine.approve("demo", turn=1, label="best")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PromoteScreen)
        assert form.source == "checkpoint cp1 (best)"
        keep = form.query_one("#promote-keep", SelectionList)
        front = engine.load("demo").header.references[0]
        keep.select(front.sha256)
        form.query_one("#promote-into", Input).value = "demo-2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session_name == "demo-2"
        new = engine.load("demo-2")
        assert [r.role for r in new.header.references] == ["promoted", "other"]
        assert new.header.references[0].sha256 == engine.load("demo").checkpoints[0].image.sha256
        assert new.header.references[1].label == "front"
        assert new.header.character.name == "Little Orange"
        assert new.header.parent is not None and new.header.parent.checkpoint == "cp1"
        assert new.turns == []
        await pilot.press("ctrl+o")
        assert app.screen.__class__.__name__ == "HomeScreen"


async def test_fork_from_the_selected_turn(engine: Engine, make_app) -> None:
    offline_session(engine, turns=3)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(Conversation).focus()
        await pilot.press("up", "up", "up")  # the first Up selects the newest turn
        assert app.screen.query_one(Conversation).selected == 1
        await pilot.press("ctrl+f")
        form = app.screen
        assert isinstance(form, TextFormScreen)
        form.query_one("#form-text", Input).value = "demo-fork"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session_name == "demo-fork"
        forked = engine.load("demo-fork")
        assert [t.prompt for t in forked.turns] == ["scene number 1"]
        assert len(engine.load("demo").turns) == 3


async def test_reset_is_suggested_past_the_configured_threshold(home, make_app) -> None:
    from session_tui.config import Config

    engine = Engine(home, config=Config(reset_threshold=2))
    offline_session(engine, turns=1)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bar = str(app.screen.query_one("#session-bar").render())
        assert "reset at 2" in bar and "ctrl+r resets" not in bar
        await pilot.press(*"again", "enter")
        await settle(pilot)
        assert "ctrl+r resets by promotion" in str(app.screen.query_one("#session-bar").render())
        from conftest import notifications

        assert any("reset by promotion" in m for m in notifications(app))
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, PromoteScreen)


async def test_any_result_image_can_be_promoted(engine: Engine, make_app) -> None:
    offline_session(engine, turns=3)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(Conversation).focus()
        await pilot.press("up", "up")  # newest, then turn 2
        await pilot.press("ctrl+r")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PromoteScreen) and form.source == "the image of turn 2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        new = engine.load("demo-r1")
        assert app.screen.session_name == "demo-r1"
        assert new.header.parent.turn == 2 and new.header.parent.checkpoint is None
        assert new.header.references[0].sha256 == engine.load("demo").turn(2).images[0].sha256

"""Sending turns: Enter sends, the turn is stored and shown; failures and Esc keep the prompt."""

from __future__ import annotations

import asyncio
import threading

from conftest import SIZE, FailingProvider, GatedProvider, factory, notifications, offline_session, settle

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.conversation import Conversation
from session_tui.tui.widgets.prompt_input import PromptInput
from session_tui.tui.widgets.turn_view import TurnView


async def test_enter_sends_a_turn_that_is_stored_and_shown(engine: Engine, make_app) -> None:
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        assert isinstance(app.focused, PromptInput)
        await pilot.press(*"on the beach")
        await pilot.press("enter")
        await settle(pilot)
        session = engine.load("demo")
        assert [(t.prompt, t.status) for t in session.turns] == [("on the beach", "ok")]
        views = list(app.screen.query(TurnView))
        assert [v.turn.index for v in views] == [1]
        assert app.screen.query_one(PromptInput).text == ""
        assert "#1" in str(views[0].query_one(".turn-meta").render())


async def test_ctrl_j_makes_a_multi_line_prompt_and_up_recalls_earlier_prompts(
    engine: Engine, make_app
) -> None:
    offline_session(engine, turns=2)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt = app.screen.query_one(PromptInput)
        await pilot.press("a", "ctrl+j", "b")
        assert prompt.text == "a\nb"
        prompt.text = ""
        await pilot.press("up")
        assert prompt.text == "scene number 2"
        await pilot.press("up")
        assert prompt.text == "scene number 1"
        await pilot.press("down")
        assert prompt.text == "scene number 2"
        await pilot.press("down")
        assert prompt.text == ""


async def test_failing_provider_notifies_the_reason_and_keeps_the_prompt(home: Home, make_app) -> None:
    engine = Engine(home, provider_factory=factory(FailingProvider))
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"make the scarf blue", "enter")
        await settle(pilot)
        assert app.screen.query_one(PromptInput).text == "make the scarf blue"
        messages = notifications(app)
        assert any(FailingProvider.reason in m for m in messages), messages
        turn = engine.load("demo").turns[-1]
        assert (turn.status, turn.prompt, turn.error) == (
            "failed",
            "make the scarf blue",
            FailingProvider.reason,
        )
        assert app.screen.query_one("#turn-1", TurnView).has_class("-failed")


def gated(home: Home) -> tuple[Engine, threading.Event, threading.Event]:
    """A session whose provider signals ``started`` and then waits until ``gate`` is set."""
    started, gate = threading.Event(), threading.Event()
    engine = Engine(home, provider_factory=factory(GatedProvider, started=started, gate=gate))
    engine.new_session("demo")
    return engine, started, gate


async def test_escape_cancels_the_turn_in_flight_and_keeps_the_prompt(home: Home, make_app) -> None:
    engine, started, gate = gated(home)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"in the snow", "enter")
        assert await asyncio.to_thread(started.wait, 30)
        screen = app.screen
        assert isinstance(screen, SessionScreen) and screen.generating
        # The UI answers while the turn is in flight: typing goes into the prompt.
        await pilot.press("x")
        assert screen.query_one(PromptInput).text == "x"
        await pilot.press("ctrl+a", "ctrl+k")  # clear it again, as a user would
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.generating
        assert screen.query_one(PromptInput).text == "in the snow"
        turn = engine.load("demo").turns[-1]
        assert (turn.status, turn.prompt) == ("cancelled", "in the snow")
        assert not gate.is_set()


async def test_send_is_refused_while_a_turn_is_in_flight(home: Home, make_app) -> None:
    engine, started, gate = gated(home)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"first", "enter")
        assert await asyncio.to_thread(started.wait, 30)
        await pilot.press(*"second", "enter")
        assert app.screen.query_one(PromptInput).text == "second"  # not sent, not lost
        gate.set()
        await settle(pilot)
        assert [t.prompt for t in engine.load("demo").turns] == ["first"]


async def test_open_lands_at_the_end_of_a_long_session(engine: Engine, make_app) -> None:
    offline_session(engine, turns=6)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = app.screen.query_one(Conversation)
        assert conversation.scroll_y == conversation.max_scroll_y > 0

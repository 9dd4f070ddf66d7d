"""Issue 16, item 6: markup in user or service text never crashes the TUI (or turns into markup)."""

from __future__ import annotations

from conftest import SIZE, FailingProvider, factory, notifications, offline_session, settle
from textual.content import Content

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.prompt_input import PromptInput

HOSTILE = "[/x] [/bad] [@click=app.quit]q[/] [link=file:///etc/passwd]l[/link] [b"


class HostileFailure(FailingProvider):
    reason = f"The service said: {HOSTILE}"


async def test_markup_in_labels_prompts_and_service_errors_is_shown_as_text(
    home: Home, make_app: object
) -> None:
    engine = Engine(home, provider_factory=factory(HostileFailure))
    engine.new_session("demo")
    app = make_app(engine, start="demo")  # type: ignore[operator]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        await pilot.press(*"draw [/x] now", "enter")
        await settle(pilot)
        assert app.screen.query_one(PromptInput).text == "draw [/x] now"
        assert any(HOSTILE in m for m in notifications(app)), notifications(app)
        await _shown(pilot, app)


async def test_a_checkpoint_label_with_markup_opens_and_shows(engine: Engine, make_app: object) -> None:
    offline_session(engine, turns=1)
    engine.approve("demo", label="[/x]")
    engine.send("demo", "more [/bad] [@click=app.quit]")
    app = make_app(engine, start="demo")  # type: ignore[operator]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.is_running
        app.notify(f"a warning about record type {HOSTILE!r}")
        await _shown(pilot, app)


async def _shown(pilot: object, app: object) -> None:
    """Every notification drawn as its toast draws it (markup is parsed there, and a bad tag raises),
    and the app still running."""
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    shown = list(app._notifications)  # type: ignore[attr-defined]
    assert shown
    for n in shown:
        content = Content.from_markup(n.message) if n.markup else Content(n.message)
        if HOSTILE in n.message:
            assert HOSTILE in content.plain
    assert app.is_running and app._exception is None  # type: ignore[attr-defined]

"""The home screen: listing, filtering, opening, creating and deleting sessions."""

from __future__ import annotations

from pathlib import Path

from conftest import SIZE, notifications, offline_session, settle
from textual.widgets import DataTable, Input

from session_tui.engine import Engine
from session_tui.tui.screens.confirm import ConfirmScreen
from session_tui.tui.screens.home import HomeScreen
from session_tui.tui.screens.new_session import NewSessionScreen
from session_tui.tui.screens.session import SessionScreen


def rows(app) -> list[str]:
    table = app.screen.query_one("#sessions", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_lists_sessions_with_lineage_and_filters_as_you_type(engine: Engine, make_app) -> None:
    offline_session(engine, "orange", turns=1)
    engine.approve("orange", label="best")
    engine.reset("orange", checkpoint="best", into="orange-2")
    engine.new_session("blue")
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert rows(app) == ["blue", "orange", "orange-2"]
        table = app.screen.query_one("#sessions", DataTable)
        assert "→ orange-2" in str(table.get_row_at(1)[1])
        assert "← orange" in str(table.get_row_at(2)[1])
        assert "offline renderer" in app.sub_title
        await pilot.press(*"ora")
        assert rows(app) == ["orange", "orange-2"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.session_name == "orange-2"
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_new_session_form_creates_and_opens_it(engine: Engine, make_app, png: Path) -> None:
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        form = app.screen
        assert isinstance(form, NewSessionScreen)
        form.query_one("#new-name", Input).value = "bad name"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # refused: stays open with the reason
        assert "not allowed" in str(form.query_one("#form-error").render())
        assert engine.store.names() == []
        form.query_one("#new-name", Input).value = "mascot"
        form.query_one("#new-refs", Input).value = f"{png}=front"
        form.query_one("#new-seed", Input).value = "42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        session = engine.load("mascot")
        assert [r.label for r in session.header.references] == ["front"]
        assert session.header.params.seed == 42


async def test_delete_asks_first_and_no_keeps_the_session(engine: Engine, make_app) -> None:
    engine.new_session("keepme")
    engine.new_session("zap")
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "f8")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert engine.store.names() == ["keepme", "zap"]
        await pilot.press("f8")
        await pilot.press("y")
        await settle(pilot)
        assert engine.store.names() == ["keepme"]
        assert rows(app) == ["keepme"]
        assert any("Deleted session 'zap'" in m for m in notifications(app))


async def test_rename_and_archive_from_the_home_screen(engine: Engine, make_app, tmp_path: Path) -> None:
    from session_tui.tui.screens.form import TextFormScreen

    engine.new_session("old")
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "f2")
        assert isinstance(app.screen, TextFormScreen)
        field = app.screen.query_one("#form-text", Input)
        field.value = "new"
        await pilot.press("enter")
        await settle(pilot)
        assert engine.store.names() == ["new"]
        assert rows(app) == ["new"]
        await pilot.press("f9")
        assert isinstance(app.screen, TextFormScreen)
        app.screen.query_one("#form-text", Input).value = str(tmp_path / "new.zip")
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "new.zip").is_file()
        assert any("Archived 'new'" in m for m in notifications(app))

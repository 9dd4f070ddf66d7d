"""Opening a long session mounts only its newest turns and reads only the images on screen."""

from __future__ import annotations

import io

from conftest import SIZE, eventually, factory, settle
from textual.widgets import Button

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider
from session_tui.tui.widgets.conversation import PAGE, WINDOW, Conversation
from session_tui.tui.widgets.image_slot import ImageSlot
from session_tui.tui.widgets.turn_view import TurnView


class TinyProvider(Provider):
    """A tiny, different PNG per turn, so a long history is quick to build."""

    kind = "fake-tiny"

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=14, seed_honoured=True)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (32, 24), ((request.params.seed or 0) % 256, 90, 160)).save(out, "PNG")
        return GenerationResult(images=[out.getvalue()], text="tiny")


def long_session(home: Home, turns: int) -> Engine:
    engine = Engine(home, provider_factory=factory(TinyProvider))
    engine.new_session("long")
    for i in range(turns):
        engine.send("long", f"turn {i + 1}", seed=i)
    return engine


async def test_first_paint_mounts_a_window_and_reads_only_visible_images(home: Home, make_app) -> None:
    total = WINDOW + 2 * PAGE + 3
    engine = long_session(home, total)
    app = make_app(engine, start="long")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = app.screen.query_one(Conversation)
        views = list(conversation.query_children(TurnView))
        assert [v.turn.index for v in views] == list(range(total - WINDOW + 1, total + 1))
        assert await eventually(pilot, lambda: views[-1].query_one(ImageSlot).loaded)
        await settle(pilot)
        loaded = [s for s in conversation.query(ImageSlot) if s.loaded]
        assert 1 <= app.thumbnails.reads <= 3
        assert {s.ref.sha256 for s in loaded} <= {v.turn.images[0].sha256 for v in views[-3:]}

        conversation.query_one("#more-turns", Button).press()  # off screen: the user scrolls up to it
        await settle(pilot)
        assert len(list(conversation.query_children(TurnView))) == WINDOW + PAGE
        reads = app.thumbnails.reads
        assert reads <= 3  # mounting earlier turns reads nothing until they are scrolled to

        # Scrolling to the top mounts the page before it and keeps the view where it was.
        first = next(iter(conversation.query_children(TurnView)))
        conversation.scroll_home(animate=False)
        assert await eventually(
            pilot, lambda: len(list(conversation.query_children(TurnView))) == WINDOW + 2 * PAGE
        )
        await settle(pilot)
        assert conversation.scroll_y == first.virtual_region.y - 1 > 0
        assert app.thumbnails.reads > reads

        conversation.scroll_home(animate=False)
        assert await eventually(pilot, lambda: conversation.view_of(1) is not None)
        assert not list(conversation.query_children(Button))  # everything is shown now
        conversation.scroll_home(animate=False)
        assert await eventually(
            pilot, lambda: conversation.query_one("#turn-1", TurnView).query_one(ImageSlot).loaded
        )


async def test_thumbnails_are_cached_across_a_reload(home: Home, make_app) -> None:
    engine = long_session(home, 3)
    app = make_app(engine, start="long")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await eventually(
            pilot, lambda: app.screen.query_one("#turn-3", TurnView).query_one(ImageSlot).loaded
        )
        reads = app.thumbnails.reads
        app.screen.action_reload()  # the palette's "Reload session" (F5 is the gallery now)
        await settle(pilot)
        assert app.thumbnails.reads == reads


async def test_selecting_a_turn_outside_the_window_mounts_it(home: Home, make_app) -> None:
    engine = long_session(home, WINDOW + PAGE + 5)
    engine.approve("long", turn=2, label="early")
    app = make_app(engine, start="long")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = app.screen.query_one(Conversation)
        assert conversation.view_of(2) is None
        app.screen.query_one("#cps-list").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert conversation.selected == 2 and conversation.view_of(2) is not None
        assert await eventually(pilot, lambda: conversation.view_of(2).query_one(ImageSlot).loaded)


async def test_a_long_session_is_held_a_window_deep_and_grows_as_turns_are_sent(home: Home, make_app) -> None:
    from session_tui.tui.widgets.prompt_input import PromptInput
    from session_tui.tui.widgets.session_bar import SessionBar

    total = WINDOW + 3 * PAGE
    engine = long_session(home, total)
    app = make_app(engine, start="long")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        held = screen.state.session
        assert len(held.turns) == WINDOW + PAGE < total  # the rest is only counted, by their prompts
        assert held.turn_count == total and f"turn {total} " in str(screen.query_one(SessionBar).render())
        assert screen.query_one(PromptInput)._history == [f"turn {i + 1}" for i in range(total)]
        await pilot.press(*"one more", "enter")
        assert await eventually(pilot, lambda: screen.state.session.turn_count == total + 1)
        await settle(pilot)
        conversation = screen.query_one(Conversation)
        assert conversation.view_of(total + 1) is not None
        assert len(screen.state.session.turns) <= WINDOW + PAGE + 1


async def test_turns_sent_in_a_long_session_stay_among_those_read(home: Home, make_app) -> None:
    engine = long_session(home, WINDOW + PAGE + 4)
    app = make_app(engine, start="long")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        for i in range(PAGE + 2):  # more new turns than the first read had room for
            before = screen.state.session.turn_count
            await pilot.press(*f"more {i}", "enter")
            assert await eventually(
                pilot,
                lambda before=before: screen.state.session.turn_count == before + 1 and not screen.generating,
            )
        await settle(pilot)
        read = {t.index for t in screen.state.session.turns}
        mounted = [v.turn.index for v in screen.query_one(Conversation).query_children(TurnView)]
        assert len(mounted) >= WINDOW + PAGE + 2 and set(mounted) <= read

"""The parameter bar offers what the session's model offers; reset and fork can move to another profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import factory, notifications, offline_session, settle, shown
from textual.widgets import Input, Select

from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.providers.base import Capabilities
from session_tui.providers.offline import OfflineProvider
from session_tui.tui.screens.form import TextFormScreen
from session_tui.tui.screens.help import HelpScreen
from session_tui.tui.screens.promote import ForkScreen, PromoteScreen
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.param_bar import ParamBar

FLASH = "gemini-3.1-flash-image-preview"  # Nano Banana 2: 1:8 and 512 among the rest
PRO = "gemini-3-pro-image-preview"  # Nano Banana Pro: the ten base ratios, 1K 2K 4K
KEY_ENV = "SESSION_TUI_TEST_GEMINI_KEY"


def write_config(root: Path, flash_model: str = FLASH) -> None:
    """Two Gemini profiles beside the offline renderer; the key variable is one only tests set."""
    lines = ['default_provider = "offline"']
    for name, model in (("flash", flash_model), ("pro", PRO)):
        lines += [
            "",
            f"[providers.{name}]",
            'kind = "gemini"',
            f'model = "{model}"',
            f'api_key_env = "{KEY_ENV}"',
        ]
    (root / "config.toml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def profiled(home: Home) -> Engine:
    write_config(home.root)
    return Engine(home)


def bar_lists(app) -> tuple[list[str], list[str]]:
    bar = app.screen.query_one(ParamBar)
    return shown(bar.query_one("#param-ratio", Select)), shown(bar.query_one("#param-size", Select))


def offers(engine: Engine, profile: str) -> tuple[list[str], list[str]]:
    caps = engine.provider(profile).capabilities()
    return list(caps.aspect_ratios), list(caps.image_sizes)


def seed_visible(app, width: int) -> bool:
    seed = app.screen.query_one("#param-seed", Input)
    return seed.display and seed.region.width > 0 and seed.region.right <= width


async def test_an_offline_session_offers_exactly_the_offline_capabilities(engine: Engine, make_app) -> None:
    offline_session(engine, turns=0)
    app = make_app(engine, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert bar_lists(app) == offers(engine, "offline")
        assert seed_visible(app, 80)


async def test_a_flash_image_session_offers_1_8_and_512(profiled: Engine, make_app) -> None:
    profiled.new_session("demo", provider="flash")
    app = make_app(profiled, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ratios, sizes = bar_lists(app)
        assert (ratios, sizes) == offers(profiled, "flash")
        assert "1:8" in ratios and "8:1" in ratios and "512" in sizes
        assert seed_visible(app, 80)


async def test_changing_the_provider_refreshes_the_lists(profiled: Engine, make_app) -> None:
    profiled.new_session("demo", provider="flash")
    app = make_app(profiled, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        provider = app.screen.query_one("#param-provider", Select)
        provider.value = "pro"  # as a pick in the drop-down does
        await settle(pilot)
        assert profiled.load("demo").header.provider == "pro"
        ratios, sizes = bar_lists(app)
        assert (ratios, sizes) == offers(profiled, "pro")
        assert "1:8" not in ratios and "512" not in sizes
        provider.value = "flash"
        await settle(pilot)
        assert profiled.load("demo").header.provider == "flash"
        assert bar_lists(app) == offers(profiled, "flash")


async def test_a_refused_provider_change_puts_the_saved_provider_and_its_lists_back(
    profiled: Engine, make_app
) -> None:
    profiled.new_session("demo", provider="flash")
    profiled.set_params("demo", aspect_ratio="1:8")
    app = make_app(profiled, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        provider = app.screen.query_one("#param-provider", Select)
        provider.value = "pro"  # pro has no 1:8: the engine refuses the move
        await settle(pilot)
        assert profiled.load("demo").header.provider == "flash"
        assert provider.value == "flash"
        assert bar_lists(app) == offers(profiled, "flash")  # no mark left from the refused pick
        assert any("pro does not offer aspect ratio 1:8" in n for n in notifications(app))


async def test_a_provider_with_one_size_offers_only_it(home: Home, make_app) -> None:
    """A size the model does not take cannot even be picked (the engine used to refuse it after)."""

    class OneSize(OfflineProvider):
        def capabilities(self) -> Capabilities:
            return Capabilities(
                multi_turn=True, max_references=14, seed_honoured=True, is_model=False, image_sizes=("1K",)
            )

    engine = Engine(home, provider_factory=factory(OneSize))
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert bar_lists(app)[1] == ["1K"]


async def test_a_value_the_model_does_not_offer_stays_marked_and_send_is_refused(
    home: Home, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(home.root)
    Engine(home).new_session("demo", provider="flash")
    Engine(home).set_params("demo", aspect_ratio="1:8", image_size="512")
    write_config(home.root, flash_model=PRO)  # the profile now names a model without 1:8 and 512
    monkeypatch.setenv(KEY_ENV, "test-key")  # a send without a key is refused before its parameters
    engine = Engine(home)
    app = make_app(engine, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(ParamBar)
        ratios, sizes = bar_lists(app)
        assert ratios == [*offers(engine, "flash")[0], "1:8 (not offered)"]
        assert sizes == [*offers(engine, "flash")[1], "512 (not offered)"]
        assert bar.current() == {"aspect_ratio": "1:8", "image_size": "512"}
        assert seed_visible(app, 80)
        assert engine.load("demo").header.params.aspect_ratio == "1:8"  # nothing was changed
        await pilot.press("a", "enter")
        await settle(pilot)
        assert engine.load("demo").turn_count == 0
        # The engine's sentence (it checks the size first), and the prompt is kept.
        assert any("flash does not offer image size 512" in n for n in notifications(app))
        assert app.screen.query_one("#prompt").text == "a"


async def test_picking_an_offered_value_drops_the_mark(home: Home, make_app) -> None:
    write_config(home.root)
    Engine(home).new_session("demo", provider="flash")
    Engine(home).set_params("demo", aspect_ratio="1:8")
    write_config(home.root, flash_model=PRO)
    engine = Engine(home)
    app = make_app(engine, start="demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(ParamBar)
        assert bar_lists(app) == (
            [*offers(engine, "flash")[0], "1:8 (not offered)"],
            offers(engine, "flash")[1],
        )
        assert bar.has_class("-not-offered") and seed_visible(app, 120)
        bar.query_one("#param-ratio", Select).value = "9:16"
        await settle(pilot)
        assert engine.load("demo").header.params.aspect_ratio == "9:16"
        assert bar_lists(app) == offers(engine, "flash")
        assert not bar.has_class("-not-offered")
        assert str(bar.query_one("#param-ratio", Select).selection) == "9:16"


async def test_reset_through_the_form_onto_another_profile(profiled: Engine, make_app) -> None:
    offline_session(profiled, turns=2)
    profiled.approve("demo", turn=2, label="best")
    profiled.set_params("demo", aspect_ratio="1:8")  # pro does not offer it: the move says what it uses
    app = make_app(profiled, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PromoteScreen)
        choice = form.query_one("#promote-provider", Select)
        assert choice.value == "offline" and shown(choice) == ["flash", "offline", "pro"]
        body = form.query_one(".form-body")
        assert body.region.contains_region(choice.region)  # in sight at 80×24 without scrolling
        choice.value = "pro"
        form.query_one("#promote-into", Input).value = "demo-pro"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session_name == "demo-pro"
        header = profiled.load("demo-pro").header
        assert header.provider == "pro"
        assert header.parent is not None and header.parent.moved_from == "offline"
        assert header.params.aspect_ratio != "1:8"
        assert any("pro does not offer aspect ratio 1:8" in n for n in notifications(app))
        assert bar_lists(app) == offers(profiled, "pro")


async def test_fork_through_the_form_onto_another_profile(profiled: Engine, make_app) -> None:
    offline_session(profiled, turns=2)
    app = make_app(profiled, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ForkScreen) and isinstance(form, TextFormScreen)
        choice = form.query_one("#form-choice", Select)
        assert choice.value == "offline"
        choice.value = "flash"
        form.query_one("#form-text", Input).value = "demo-flash"
        form.query_one("#form-text", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session_name == "demo-flash"
        forked = profiled.load("demo-flash")
        assert forked.header.provider == "flash"
        assert [t.prompt for t in forked.turns] == ["scene number 1", "scene number 2"]
        assert profiled.load("demo").header.provider == "offline"


async def test_an_unchanged_provider_asks_for_no_move(profiled: Engine, make_app) -> None:
    offline_session(profiled, turns=1)
    app = make_app(profiled, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        app.screen.query_one("#form-text", Input).value = "demo-same"
        await pilot.press("ctrl+s")
        await settle(pilot)
        header = profiled.load("demo-same").header
        assert header.provider == "offline"
        assert header.parent is not None and header.parent.moved_from is None


@pytest.mark.parametrize("key", ["ctrl+r", "ctrl+f"])
async def test_f1_in_the_form_explains_the_provider_field(profiled: Engine, make_app, key: str) -> None:
    offline_session(profiled, turns=1)
    profiled.approve("demo", turn=1)
    app = make_app(profiled, start="demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Provider profile" in app.screen.text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, (PromoteScreen, ForkScreen))


async def test_the_new_session_form_offers_what_the_picked_provider_offers(
    profiled: Engine, make_app
) -> None:
    from session_tui.tui.screens.new_session import NewSessionScreen

    app = make_app(profiled)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewSessionScreen)
        ratio, size = form.query_one("#new-ratio", Select), form.query_one("#new-size", Select)
        assert (shown(ratio), shown(size)) == offers(profiled, "offline")
        form.query_one("#new-provider", Select).value = "flash"
        await settle(pilot)
        assert (shown(ratio), shown(size)) == offers(profiled, "flash") and "1:8" in shown(ratio)
        ratio.value, size.value = "1:8", "512"
        form.query_one("#new-provider", Select).value = "pro"
        await settle(pilot)
        assert (shown(ratio), shown(size)) == offers(profiled, "pro")
        assert (ratio.value, size.value) == ("1:1", "1K")  # what pro does not offer falls back to the usual

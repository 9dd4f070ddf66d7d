"""Help, the command palette, the header's offline notice, the image modes and the engine additions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SIZE, factory, offline_session, settle
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Markdown
from textual_image.widget import HalfcellImage, SixelImage

from session_tui.config import Config, Profile
from session_tui.domain.model import CharacterSpec
from session_tui.engine import Engine, RefInput
from session_tui.errors import ConfigError, InvalidInput
from session_tui.paths import Home
from session_tui.providers.offline import OfflineProvider
from session_tui.tui.commands import screen_commands
from session_tui.tui.images import decode, image_mode, image_widget_class
from session_tui.tui.screens.character import CharacterScreen, spec_from_toml, spec_to_toml
from session_tui.tui.screens.help import HelpScreen
from session_tui.tui.screens.image_view import ImageViewScreen
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.checkpoints import CheckpointsPanel
from session_tui.tui.widgets.references import ReferencesPanel


def test_half_blocks_inside_tmux_and_screen() -> None:
    assert image_mode({"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "xterm-256color"}) == "halfcell"
    assert image_mode({"TERM": "screen-256color"}) == "halfcell"
    assert image_mode({"TERM": "xterm-kitty"}) == "auto"
    assert image_mode({"TERM": "xterm", "SESSION_TUI_IMAGES": "sixel"}) == "sixel"
    assert image_mode({"TMUX": "x", "SESSION_TUI_IMAGES": "Sixel"}) == "sixel"  # asked for explicitly
    with pytest.raises(InvalidInput, match="not a drawing method"):
        image_mode({"SESSION_TUI_IMAGES": "ascii-art"})
    assert image_widget_class("halfcell") is HalfcellImage
    assert image_widget_class("sixel") is SixelImage


def test_decode_shrinks_and_flattens() -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (1000, 500), (255, 0, 0, 0)).save(out, "PNG")
    image = decode(out.getvalue(), 100)
    assert (image.size, image.mode, image.getpixel((0, 0))) == ((100, 50), "RGB", (128, 128, 128))
    with pytest.raises(InvalidInput, match="cannot be drawn"):
        decode(b"not an image", 100)


async def test_header_says_the_offline_renderer_is_not_an_ai_model(engine: Engine, make_app) -> None:
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "offline renderer (not an AI model)" in app.screen.sub_title
        assert "no key, no network" in str(app.screen.query_one("#session-bar").render())


async def test_header_of_a_real_model_makes_no_such_claim(home: Home, make_app) -> None:
    class Model(OfflineProvider):
        def capabilities(self):  # type: ignore[no-untyped-def]
            caps = super().capabilities()
            return caps.__class__(**{**caps.__dict__, "is_model": True})

        def label(self) -> str:
            return f"{self.name} (gemini, gemini-3-pro-image-preview)"

    config = Config(default_provider="gem", providers={"gem": Profile(kind="offline", model="m")})
    engine = Engine(home, config=config, provider_factory=factory(Model))
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "not an AI model" not in app.screen.sub_title
        assert "gemini-3-pro-image-preview" in app.screen.sub_title
        assert "offline" not in app.sub_title


async def test_f1_explains_the_focused_area(engine: Engine, make_app) -> None:
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "## Prompt" in app.screen.text and "Keys here" in app.screen.text
        assert "Approve" in app.screen.text and "Earlier prompt" in app.screen.text
        assert "Cursor word left" not in app.screen.text  # Textual's editing keys stay out of it
        await pilot.press("escape")
        app.screen.query_one("#refs-list").focus()
        await pilot.pause()
        assert app.focused is app.screen.query_one("#refs-list")
        await pilot.press("f1")
        assert "## References" in app.screen.text
        assert app.screen.query_one(Markdown)


def _described(cls: type) -> list[str]:
    return [
        b.action.removeprefix("screen.")
        for b in cls.__dict__.get("BINDINGS", [])
        if isinstance(b, Binding) and b.description
    ]


async def test_every_action_is_in_the_command_palette(engine: Engine, make_app) -> None:
    offline_session(engine, turns=1)
    engine.approve("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        actions = {c.action for c, _ in screen_commands(app.screen)}
        for cls in (SessionScreen, ReferencesPanel, CheckpointsPanel):
            missing = set(_described(cls)) - actions - {"reset_from_checkpoint"}
            assert not missing, (cls.__name__, missing)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"character spec")
        await pilot.pause(0.5)  # the palette searches in the background
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CharacterScreen)


async def test_enter_on_a_turn_shows_it_full_size(engine: Engine, make_app) -> None:
    offline_session(engine, turns=2)
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, ImageViewScreen)
        assert app.screen.ref == engine.load("demo").turns[-1].images[0]
        assert app.screen.query("#view-frame HalfcellImage")
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)


def test_spec_round_trips_through_toml() -> None:
    spec = CharacterSpec(
        name="小橙", hair='orange "pigtails"\nbraided', palette=["#FF8C00"], keep=["same blush"]
    )
    assert spec_from_toml(spec_to_toml(spec)) == spec
    with pytest.raises(InvalidInput, match="not valid TOML"):
        spec_from_toml("name = ")
    with pytest.raises(InvalidInput, match="Unknown field 'colour'"):
        spec_from_toml('colour = "red"')


# -- the engine methods added for the TUI (headless) -------------------------------------------
def test_engine_read_image_and_relabel(engine: Engine, png: Path) -> None:
    engine.new_session("demo", refs=[RefInput(png, "front")])
    ref = engine.load("demo").header.references[0]
    assert engine.read_image("demo", ref) == png.read_bytes()
    engine.relabel_reference("demo", ref.sha256[:10], "  hero  ")
    assert engine.load("demo").header.references[0].label == "hero"
    before = engine.session_dir("demo").path.joinpath("session.json").read_bytes()
    with pytest.raises(InvalidInput, match="no reference"):
        engine.relabel_reference("demo", "ffff", "x")
    with pytest.raises(InvalidInput, match="label is empty"):
        engine.relabel_reference("demo", ref.sha256, " ")
    assert engine.session_dir("demo").path.joinpath("session.json").read_bytes() == before


def test_engine_read_image_of_a_missing_blob_is_one_sentence(engine: Engine, png: Path) -> None:
    engine.new_session("demo", refs=[RefInput(png)])
    ref = engine.load("demo").header.references[0]
    engine.session_dir("demo").blobs.path(ref).unlink()
    with pytest.raises(Exception, match="is missing") as info:
        engine.read_image("demo", ref)
    assert hasattr(info.value, "message")


def test_engine_set_seed_character_and_provider(home: Home) -> None:
    config = Config(providers={"other": Profile(kind="offline", model="m2")})
    engine = Engine(home, config=config)
    engine.new_session("demo")
    assert engine.set_seed("demo", 5).header.params.seed == 5
    assert engine.set_seed("demo", None).header.params.seed is None
    with pytest.raises(InvalidInput, match="out of range"):
        engine.set_seed("demo", -1)
    spec = CharacterSpec(name="Little Blue")
    assert engine.set_character("demo", spec).header.character == spec
    moved = engine.set_provider("demo", "other")
    assert (moved.header.provider, moved.header.model) == ("other", "m2")
    with pytest.raises(ConfigError, match="No provider profile named 'nope'"):
        engine.set_provider("demo", "nope")
    assert engine.load("demo").header.provider == "other"


def test_engine_request_estimate_counts_references_and_the_replayed_images(engine: Engine, png: Path) -> None:
    from session_tui.engine.turns import HISTORY_IMAGES

    engine.new_session("demo", refs=[RefInput(png)])
    session = engine.load("demo")
    ref_bytes = session.header.references[0].size_bytes
    assert engine.request_estimate(session) == (ref_bytes * 4 // 3, 20_000_000)
    for seed in range(HISTORY_IMAGES + 2):
        engine.send("demo", f"scene {seed}", seed=seed)
    session = engine.load("demo")
    replayed = sum(t.images[0].size_bytes for t in session.turns[-HISTORY_IMAGES:])
    assert engine.request_estimate(session)[0] == (ref_bytes + replayed) * 4 // 3


def test_engine_export(engine: Engine, tmp_path: Path) -> None:
    offline_session(engine, turns=1)
    engine.approve("demo", label="a")
    result = engine.export("demo", tmp_path / "out")
    assert result.path == tmp_path / "out" and "manifest.json" in result.files

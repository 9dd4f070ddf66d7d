"""References, parameters, the character spec and export, edited from the session screen."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import SIZE, FailingProvider, factory, notifications, offline_session, settle, shown
from textual.widgets import Input, Label, RadioButton, Select, TextArea
from textual.widgets.select import InvalidSelectValueError

from session_tui.engine import Engine, RefInput
from session_tui.paths import Home
from session_tui.tui.screens.add_reference import AddReferenceScreen
from session_tui.tui.screens.character import CharacterScreen
from session_tui.tui.screens.confirm import ConfirmScreen
from session_tui.tui.screens.export import ExportScreen
from session_tui.tui.screens.form import TextFormScreen
from session_tui.tui.screens.session import SessionScreen
from session_tui.tui.widgets.param_bar import ParamBar
from session_tui.tui.widgets.path_input import PathInput, complete_path
from session_tui.tui.widgets.references import ReferencesPanel


def refs_title(app) -> str:
    return str(app.screen.query_one("#refs-title", Label).render())


async def test_add_relabel_and_remove_a_reference(engine: Engine, make_app, png: Path) -> None:
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert refs_title(app) == "References 0/14"
        await pilot.press("f3")
        form = app.screen
        assert isinstance(form, AddReferenceScreen)
        form.query_one("#ref-path", PathInput).value = str(png.parent / "fr")
        form.query_one("#ref-path", PathInput).focus()
        await pilot.press("tab")  # completes the path
        assert form.query_one("#ref-path", PathInput).value == str(png)
        form.query_one("#ref-label", Input).value = "front view"
        form.query_one("#ref-role", Select).value = "front"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [ref] = engine.load("demo").header.references
        assert (ref.label, ref.role) == ("front view", "front")
        assert refs_title(app) == "References 1/14"

        app.screen.query_one("#refs-list").focus()
        await pilot.press("e")
        assert isinstance(app.screen, TextFormScreen)
        app.screen.query_one("#form-text", Input).value = "hero front"
        await pilot.press("enter")
        await settle(pilot)
        assert engine.load("demo").header.references[0].label == "hero front"
        assert app.screen.query_one(ReferencesPanel).highlighted().label == "hero front"

        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert engine.load("demo").header.references == []
        assert refs_title(app) == "References 0/14"


async def test_references_count_against_the_providers_limit(
    home: Home, make_app, png: Path, tmp_path: Path
) -> None:
    from PIL import Image

    engine = Engine(home, provider_factory=factory(FailingProvider))  # accepts at most 3
    paths = []
    for i in range(4):
        path = tmp_path / f"r{i}.png"
        Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(path)
        paths.append(path)
    engine.new_session("demo", refs=[RefInput(p) for p in paths[:3]])
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert refs_title(app) == "References 3/3"
        await pilot.press("f3")
        app.screen.query_one("#ref-path", PathInput).value = str(paths[3])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AddReferenceScreen)
        assert "the limit is 3" in str(app.screen.query_one("#form-error").render())
        assert len(engine.load("demo").header.references) == 3


def test_path_completion_grows_as_far_as_the_names_agree(tmp_path: Path) -> None:
    tmp_path = tmp_path / "pictures"
    tmp_path.mkdir()
    (tmp_path / "little-orange").mkdir()
    (tmp_path / "little-orange.toml").write_bytes(b"x")
    (tmp_path / "little-blue.png").write_bytes(b"x")
    (tmp_path / ".hidden").write_bytes(b"x")
    assert complete_path(str(tmp_path / "li")) == str(tmp_path / "little-")
    assert complete_path(str(tmp_path / "little-o")) == str(tmp_path / "little-orange")
    assert complete_path(str(tmp_path / "little-orange")) is None  # ambiguous: folder or .toml
    assert complete_path(str(tmp_path / "little-orange.")) == str(tmp_path / "little-orange.toml")
    assert complete_path(str(tmp_path / "little-b")) == str(tmp_path / "little-blue.png")
    assert complete_path(str(tmp_path / "zzz")) is None
    assert complete_path(str(tmp_path / ".hid")) == str(tmp_path / ".hidden")
    assert complete_path(str(tmp_path) + "/") == str(tmp_path / "little-")  # hidden files stay hidden


async def test_parameters_are_validated_and_saved(engine: Engine, make_app) -> None:
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(ParamBar)
        seed = bar.query_one("#param-seed", Input)
        seed.focus()
        await pilot.press(*"99999999999", "enter")
        await settle(pilot)
        assert engine.load("demo").header.params.seed is None  # refused: nothing saved
        assert seed.value == "" and not seed.has_class("-invalid")  # the last good value is back
        assert any("out of range" in m for m in notifications(app))
        seed.value = "abc"
        await pilot.press("enter")
        await settle(pilot)
        assert any("'abc' is not a whole number" in m for m in notifications(app))
        seed.value = "7"
        await pilot.press("enter")
        await settle(pilot)
        assert engine.load("demo").header.params.seed == 7
        assert not seed.has_class("-invalid")
        bar.query_one("#param-ratio", Select).value = "16:9"
        await settle(pilot)
        assert engine.load("demo").header.params.aspect_ratio == "16:9"
        seed.value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert engine.load("demo").header.params.seed is None
        app.screen.query_one("#prompt").focus()
        await pilot.press(*"wide", "enter")
        await settle(pilot)
        turn = engine.load("demo").turns[-1]
        assert (turn.params.aspect_ratio, turn.status) == ("16:9", "ok")


async def test_a_provider_with_one_size_offers_no_other(home: Home, make_app) -> None:
    from session_tui.providers.base import Capabilities
    from session_tui.providers.offline import OfflineProvider

    class Small(OfflineProvider):
        def capabilities(self) -> Capabilities:
            return Capabilities(
                multi_turn=True, max_references=14, seed_honoured=True, is_model=False, image_sizes=("1K",)
            )

    engine = Engine(home, provider_factory=factory(Small))
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        size = app.screen.query_one("#param-size", Select)
        assert shown(size) == ["1K"]
        with pytest.raises(InvalidSelectValueError):  # what the model does not offer cannot be picked
            size.value = "4K"
        assert engine.load("demo").header.params.image_size == "1K"


async def test_character_spec_is_viewable_and_editable(engine: Engine, make_app) -> None:
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        form = app.screen
        assert isinstance(form, CharacterScreen)
        area = form.query_one("#character-text", TextArea)
        assert 'name = ""' in area.text
        area.text = area.text.replace("palette = []", 'palette = ["orange"]')
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a hex colour" in str(form.query_one("#form-error").render())
        area.text = area.text.replace('palette = ["orange"]', 'palette = ["#ff8c00"]').replace(
            'name = ""', 'name = "小蓝"'
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        spec = engine.load("demo").header.character
        assert (spec.name, spec.palette) == ("小蓝", ["#FF8C00"])


async def test_export_to_a_zip_shows_the_written_path(engine: Engine, make_app, tmp_path: Path) -> None:
    offline_session(engine, turns=2)
    engine.approve("demo", turn=1, label="one")
    engine.approve("demo", turn=2, label="two")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        form = app.screen
        assert isinstance(form, ExportScreen)
        form.query_one("#export-which").deselect("cp1")
        form.query_one("#export-zip", RadioButton).value = True
        out = tmp_path / "out" / "demo.zip"
        form.query_one("#export-out", PathInput).value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        names = {n.split("/")[-1] for n in zipfile.ZipFile(out).namelist()}
        assert {"demo_cp2_two.png", "manifest.json"} <= names and "demo_cp1_one.png" not in names
        assert f"Exported 1 checkpoint to {out}" in str(app.screen.query_one("#last-export").render())
        assert any(str(out) in m for m in notifications(app))


async def test_export_to_a_folder(engine: Engine, make_app, tmp_path: Path) -> None:
    offline_session(engine, turns=1)
    engine.approve("demo", label="one")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        app.screen.query_one("#export-out", PathInput).value = str(tmp_path / "folder")
        await pilot.press("ctrl+s")
        await settle(pilot)
        written = {p.name for p in (tmp_path / "folder").iterdir()}
        assert {"demo_cp1_one.png", "manifest.json"} <= written


async def test_the_provider_is_switched_from_the_parameter_bar(home: Home, make_app) -> None:
    from session_tui.config import Config, Profile

    config = Config(providers={"studio": Profile(kind="offline", model="studio-renderer")})
    engine = Engine(home, config=config)
    engine.new_session("demo")
    app = make_app(engine, start="demo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = app.screen.query_one("#param-provider", Select)
        assert provider.value == "offline"
        provider.value = "studio"
        await settle(pilot)
        header = engine.load("demo").header
        assert (header.provider, header.model) == ("studio", "studio-renderer")
        await pilot.press(*"hello", "enter")
        await settle(pilot)
        assert engine.load("demo").turns[-1].model == "studio-renderer"

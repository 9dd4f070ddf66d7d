"""Exports carry a contact sheet (PNG grid with labels and scores) and a static HTML gallery."""

from __future__ import annotations

import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from consistency_support import ORANGE, cli
from PIL import Image

from session_tui.engine import Engine
from session_tui.export.contact_sheet import CELL, Tile, contact_sheet
from session_tui.export.extras import CONTACT_SHEET, GALLERY


class Links(HTMLParser):
    """Every URL-bearing attribute and every tag of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value is not None:
                self.urls.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def exported(engine: Engine, tmp_path: Path) -> Path:
    engine.new_session("orange", character=ORANGE)
    engine.send("orange", "standing", seed=1)
    engine.approve("orange", label="first <b>look</b>")
    engine.send("orange", "make the hoodie blue", seed=2)
    engine.approve("orange", label="蓝色")
    engine.send("orange", "in the snow", seed=3)
    engine.approve("orange")
    out = tmp_path / "out"
    assert cli("export", "orange", "--out", str(out)).code == 0
    return out


def test_the_export_has_a_contact_sheet_and_a_gallery_named_in_the_manifest(exported: Path) -> None:
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["contact_sheet"] == CONTACT_SHEET and manifest["gallery"] == GALLERY
    with Image.open(exported / CONTACT_SHEET) as sheet:
        assert sheet.format == "PNG"
        assert sheet.width >= 3 * CELL and sheet.height > CELL  # three pictures, side by side


def test_the_gallery_uses_no_network_and_links_only_files_beside_it(exported: Path) -> None:
    page = (exported / GALLERY).read_text(encoding="utf-8")
    parser = Links()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "iframe" not in parser.tags
    assert parser.urls, "the gallery shows pictures"
    for url in parser.urls:
        assert ":" not in url and not url.startswith(("/", "\\")), url
        assert (exported / url).is_file(), url
    assert "http://" not in page and "https://" not in page and "url(" not in page and "@import" not in page
    files = {p.name for p in exported.iterdir()}
    assert {u for u in parser.urls} == files - {"manifest.json", GALLERY}


def test_the_gallery_escapes_labels_and_shows_scores(exported: Path, engine: Engine) -> None:
    page = (exported / GALLERY).read_text(encoding="utf-8")
    assert "<b>look</b>" not in page and "first &lt;b&gt;look&lt;/b&gt;" in page
    assert "蓝色" in page
    scores = [t.score.total for t in engine.load("orange").turns]
    for score in scores:
        assert f"score {score}/100" in page
    assert "make the hoodie blue" in page  # the prompt is there to read


def test_zip_exports_carry_them_too(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s", character=ORANGE)
    engine.send("s", "standing", seed=1)
    engine.approve("s")
    assert cli("export", "s", "--zip", "--out", str(tmp_path / "s.zip")).code == 0
    with zipfile.ZipFile(tmp_path / "s.zip") as zf:
        names = set(zf.namelist())
        assert {f"s/{CONTACT_SHEET}", f"s/{GALLERY}", "s/manifest.json"} <= names
        Image.open(io.BytesIO(zf.read(f"s/{CONTACT_SHEET}"))).verify()


def test_the_export_message_counts_checkpoints_only(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s")
    engine.send("s", "standing", seed=1)
    engine.approve("s")
    run = cli("export", "s", "--out", str(tmp_path / "o"))
    assert run.out.startswith("Exported 1 checkpoint with a contact sheet and an HTML gallery")


def _png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def test_the_grid_is_near_square_and_keeps_each_pictures_shape() -> None:
    tiles = [Tile(_png((255, 0, 0), (400, 100)), f"cp{n}", "turn 1 · score 50") for n in range(7)]
    with Image.open(io.BytesIO(contact_sheet(tiles, "title"))) as sheet:
        sheet = sheet.convert("RGB")
        columns = 3  # seven pictures: three columns, three rows
        assert sheet.width == columns * (CELL + 12) + 12
        # A wide picture is letterboxed: red in the middle of its cell, background above.
        x = 12 + CELL // 2  # the first cell's centre column
        cell_top = 12 + 21 + 12  # pad + title line + pad
        assert sheet.getpixel((x, cell_top + CELL // 2)) == (255, 0, 0)
        assert sheet.getpixel((x, cell_top + 10)) != (255, 0, 0)


def test_an_unreadable_picture_does_not_break_the_sheet() -> None:
    data = contact_sheet(
        [Tile(b"not an image", "cp1", "turn 1"), Tile(_png((0, 0, 255), (50, 50)), "cp2", "x")]
    )
    Image.open(io.BytesIO(data)).verify()
    with pytest.raises(ValueError):
        contact_sheet([])

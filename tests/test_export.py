"""Export: checkpoints as PNGs that stand on their own (text chunks) plus manifest.json, folder or zip."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from session_tui.domain.model import CharacterSpec
from session_tui.engine import Engine
from session_tui.errors import InvalidInput

SPEC = CharacterSpec(name="小橙", hair="orange pigtails", palette=["#FF8C00", "#FFA500"])
CHINESE_PROMPT = "让她在海边，围巾变成蓝色"


@pytest.fixture
def made(engine: Engine) -> Engine:
    engine.new_session("orange", character=SPEC)
    engine.send("orange", "on the beach", seed=1)
    engine.send("orange", CHINESE_PROMPT, seed=2, aspect_ratio="16:9")
    engine.send("orange", "in the park", seed=3)
    engine.approve("orange", turn=1, label="first look")
    engine.approve("orange", turn=2, label="blue", note="the one")
    engine.approve("orange", turn=3)
    return engine


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """Where exports go: apart from the home (which conftest puts in tmp_path too)."""
    path = tmp_path / "outputs"
    path.mkdir()
    return path


def export(engine: Engine, name: str, out: Path, **kw: object) -> tuple[Path, list[str]]:
    result = engine.export(name, out, **kw)  # type: ignore[arg-type]
    return result.path, result.files


def core(files: list[str]) -> list[str]:
    """The files this contract is about: one PNG per checkpoint and manifest.json (extras may sit beside)."""
    return sorted(f for f in files if f == "manifest.json" or re.fullmatch(r".+_cp\d+_.+\.png", f))


def pixels_equal(a: bytes, b: bytes) -> bool:
    with Image.open(io.BytesIO(a)) as x, Image.open(io.BytesIO(b)) as y:
        return x.size == y.size and x.convert("RGB").tobytes() == y.convert("RGB").tobytes()


def test_folder_export_of_all_checkpoints(made: Engine, outdir: Path) -> None:
    out = outdir / "exported"
    path, files = export(made, "orange", out)
    assert path == out
    assert core(files) == sorted(
        ["orange_cp1_first-look.png", "orange_cp2_blue.png", "orange_cp3_turn3.png", "manifest.json"]
    )
    assert sorted(p.name for p in out.iterdir()) == files  # what it reports is what is there
    assert [p.name for p in outdir.iterdir()] == ["exported"]  # the staging folder is gone

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    session = made.load("orange")
    assert manifest["session"] == "orange"
    assert (manifest["provider"], manifest["kind"], manifest["model"]) == (
        "offline",
        "offline",
        "offline-renderer",
    )
    assert manifest["lineage"] is None
    assert manifest["character"]["name"] == "小橙"
    items = {item["checkpoint"]: item for item in manifest["checkpoints"]}
    assert list(items) == ["cp1", "cp2", "cp3"]
    blue = items["cp2"]
    turn2 = session.turn(2)
    assert blue["prompt"] == CHINESE_PROMPT and blue["prompt_sent"] == turn2.prompt_sent
    assert blue["params"] == {"aspect_ratio": "16:9", "image_size": "1K", "seed": 2, "extras": {}}
    assert (blue["label"], blue["note"], blue["turn"]) == ("blue", "the one", 2)
    assert (blue["provider"], blue["model"]) == ("offline", "offline-renderer")
    assert blue["sha256"] == turn2.images[0].sha256 and blue["file"] == "orange_cp2_blue.png"
    for item in manifest["checkpoints"]:
        original = made.session_dir("orange").blobs.read(session.checkpoint(item["checkpoint"]).image)
        assert hashlib.sha256(original).hexdigest() == item["sha256"]
        assert pixels_equal((out / item["file"]).read_bytes(), original)  # same picture, text added


def test_png_text_chunks_stand_on_their_own(made: Engine, outdir: Path) -> None:
    export(made, "orange", outdir / "x")
    with Image.open(outdir / "x" / "orange_cp2_blue.png") as img:
        img.load()
        text = dict(img.text)  # type: ignore[attr-defined]
    assert text["Description"] == CHINESE_PROMPT
    assert text["parameters"] == made.load("orange").turn(2).prompt_sent
    meta = json.loads(text["session-tui"])
    assert meta["prompt"] == CHINESE_PROMPT
    assert meta["params"]["aspect_ratio"] == "16:9" and meta["params"]["seed"] == 2
    assert (meta["session"], meta["checkpoint"], meta["label"]) == ("orange", "cp2", "blue")
    assert text["Title"] == "orange cp2 blue" and text["Software"].startswith("session-tui")


def test_zip_export(made: Engine, outdir: Path) -> None:
    path, files = export(made, "orange", outdir / "out", as_zip=True)
    assert path == outdir / "out" / "orange.zip"
    named, _ = export(made, "orange", outdir / "named.zip", as_zip=True, which=["blue"])
    assert named == outdir / "named.zip"
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == [f"orange/{f}" for f in files]
        manifest = json.loads(zf.read("orange/manifest.json"))
        with Image.open(io.BytesIO(zf.read("orange/orange_cp2_blue.png"))) as img:
            img.load()
            assert img.text["Description"] == CHINESE_PROMPT  # type: ignore[attr-defined]
    assert [c["checkpoint"] for c in manifest["checkpoints"]] == ["cp1", "cp2", "cp3"]
    with zipfile.ZipFile(named) as zf:
        assert core([n.removeprefix("orange/") for n in zf.namelist()]) == [
            "manifest.json",
            "orange_cp2_blue.png",
        ]
    assert sorted(p.name for p in outdir.iterdir()) == ["named.zip", "out"]  # no temp files left


def test_chosen_checkpoints_by_id_and_label(made: Engine, outdir: Path) -> None:
    _, files = export(made, "orange", outdir / "some", which=["cp3", "first look"])
    assert core(files) == ["manifest.json", "orange_cp1_first-look.png", "orange_cp3_turn3.png"]
    manifest = json.loads((outdir / "some" / "manifest.json").read_text())
    assert [c["checkpoint"] for c in manifest["checkpoints"]] == ["cp3", "cp1"]  # in the order asked


def test_lineage_of_a_reset_session_is_in_the_manifest(made: Engine, outdir: Path) -> None:
    made.reset("orange", checkpoint="blue", into="orange-2")
    made.send("orange-2", "in the snow", seed=4)
    made.approve("orange-2", label="snow")
    export(made, "orange-2", outdir / "r")
    manifest = json.loads((outdir / "r" / "manifest.json").read_text())
    assert manifest["lineage"]["session"] == "orange" and manifest["lineage"]["checkpoint"] == "cp2"
    assert manifest["lineage"]["kind"] == "reset"
    assert [r["role"] for r in manifest["references"]] == ["promoted"]


@pytest.mark.parametrize("as_zip", [False, True])
def test_refusal_without_checkpoints_leaves_nothing(engine: Engine, outdir: Path, as_zip: bool) -> None:
    engine.new_session("empty")
    engine.send("empty", "hello", seed=1)
    out = outdir / "deep" / "er" / "out"
    with pytest.raises(InvalidInput, match="no checkpoints to export; approve a turn first"):
        export(engine, "empty", out, as_zip=as_zip)
    assert not (outdir / "deep").exists()


def test_unknown_checkpoint_refused_and_nothing_written(made: Engine, outdir: Path) -> None:
    with pytest.raises(InvalidInput, match="no checkpoint 'nope'"):
        export(made, "orange", outdir / "out", which=["cp1", "nope"])
    assert list(outdir.iterdir()) == []


def test_out_that_is_a_file_is_refused(made: Engine, outdir: Path) -> None:
    target = outdir / "file.txt"
    target.write_text("keep me")
    with pytest.raises(InvalidInput, match="not a folder"):
        export(made, "orange", target)
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in outdir.iterdir()) == ["file.txt"]


def test_a_checkpoint_named_twice_is_exported_once(made: Engine, outdir: Path) -> None:
    _, files = export(made, "orange", outdir / "twice", which=["cp2", "blue"])
    assert core(files) == ["manifest.json", "orange_cp2_blue.png"]
    manifest = json.loads((outdir / "twice" / "manifest.json").read_text())
    assert [c["checkpoint"] for c in manifest["checkpoints"]] == ["cp2"]

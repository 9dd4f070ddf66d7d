"""Issue 15: the offline renderer tells the article's story, and what it cannot draw it says.

Pixel checks on the drawings (scenes, props, accessories, brightness words) and the reply text,
plus the leftover of the same issue: ``refs remove`` removes the image nobody uses any more.
"""

from __future__ import annotations

from pathlib import Path

from consistency_support import cli, png

from session_tui.engine import Engine

# -- refs remove leaves no orphan -------------------------------------------------------------------


def test_refs_remove_removes_the_unused_image_and_check_is_clean(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s")
    assert cli("refs", "add", "s", str(png(tmp_path / "r.png"))).code == 0
    ref = engine.load("s").header.references[0]
    blob = engine.session_dir("s").blobs.path(ref)
    assert blob.is_file()
    assert cli("refs", "remove", "s", ref.sha256[:12]).code == 0
    assert not blob.exists()
    check = cli("check", "s")
    assert check.code == 0 and "belong" not in check.out + check.err, check.out


def test_refs_remove_keeps_an_image_a_turn_was_drawn_from(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s")
    assert cli("refs", "add", "s", str(png(tmp_path / "r.png"))).code == 0
    ref = engine.load("s").header.references[0]
    turn = engine.send("s", "wave", seed=1)
    assert ref.sha256 in turn.input_images
    assert cli("refs", "remove", "s", ref.sha256[:12]).code == 0
    assert engine.session_dir("s").blobs.path(ref).is_file()  # the turn's input stays readable

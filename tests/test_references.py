"""Reference roles and per-model guidance, and the refs command."""

from __future__ import annotations

import json
from pathlib import Path

from consistency_support import cli, png, refused

from session_tui.domain.model import ReferenceImage
from session_tui.domain.references import guide_for, reference_advice
from session_tui.engine import Engine, RefInput

SHA = "ab" * 32


def refs(*roles: str) -> list[ReferenceImage]:
    return [ReferenceImage(sha256=f"{n:064x}", role=role) for n, role in enumerate(roles)]


def test_guides_follow_the_model_id_and_its_nicknames() -> None:
    pro = guide_for("gemini-3-pro-image-preview")
    assert pro is not None and (pro.total, pro.people, pro.objects) == (14, 5, 6)
    assert guide_for("google/gemini-3-pro-image") == pro and guide_for("nano-banana-pro") == pro
    flash = guide_for("models/gemini-2.5-flash-image")
    assert flash is not None and flash.total == 3 and guide_for("nano-banana") == flash
    assert guide_for("nano-banana-2") is None  # not the 2.5 model, whatever the prefix says
    assert guide_for("some-model", good_references=4).total == 4  # type: ignore[union-attr]
    assert guide_for("some-model") is None


def test_gemini_3_pro_image_warns_past_about_five_character_views() -> None:
    ok = reference_advice(
        refs("front", "side", "back", "face", "promoted", "outfit", "style"), "gemini-3-pro-image"
    )
    assert ok == []
    six = reference_advice(refs("front", "side", "back", "face", "promoted", "front"), "gemini-3-pro-image")
    assert len(six) == 1 and "6 character views" in six[0] and "about 5" in six[0]
    objects = reference_advice(refs("front", *["outfit"] * 7), "gemini-3-pro-image")
    assert len(objects) == 1 and "7 object and style references" in objects[0]


def test_gemini_2_5_flash_image_warns_past_three() -> None:
    assert reference_advice(refs("front", "side", "face"), "gemini-2.5-flash-image") == []
    advice = reference_advice(refs("front", "side", "face", "outfit"), "gemini-2.5-flash-image")
    assert advice == [
        "4 references is more than Gemini 2.5 Flash Image handles well (up to 3); keep the best 3."
    ]


def test_roles_missing_or_no_character_view_are_pointed_out() -> None:
    assert "No reference has a role" in reference_advice(refs("other", "other"), "offline-renderer")[0]
    assert "No reference shows the character" in reference_advice(refs("style"), "offline-renderer")[0]
    assert reference_advice([], "gemini-2.5-flash-image") == []


def test_refs_add_role_list_and_remove(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s")
    run = cli(
        "refs", "add", "s", str(png(tmp_path / "front.png")), "--role", "front", "--label", "model sheet"
    )
    assert run.code == 0, run.err
    assert "as a reference (role: front)" in run.out and "model sheet" in run.out
    sha = engine.load("s").header.references[0].sha256
    again = cli("refs", "add", "s", str(tmp_path / "front.png"))
    assert again.code == 0 and "already a reference" in again.out
    cli("refs", "add", "s", str(png(tmp_path / "style.png", (10, 10, 200))))
    other = engine.load("s").header.references[1].sha256
    assert "No reference" not in cli("refs", "list", "s").err
    assert cli("refs", "role", "s", other[:8], "style").code == 0
    doc = json.loads(cli("refs", "list", "s", "--json").out)
    assert [(r["role"], r["label"]) for r in doc["references"]] == [
        ("front", "model sheet"),
        ("style", "style"),
    ]
    assert doc["advice"] == []
    removed = cli("refs", "remove", "s", sha[:10])
    assert removed.code == 0 and "its image was removed from the session's store" in removed.out
    assert not any(engine.store.root.joinpath("s", "blobs").rglob(f"{sha}*"))  # nothing left for check
    assert [r.sha256 for r in engine.load("s").header.references] == [other]
    assert "No reference shows the character" in cli("refs", "list", "s").err
    engine.send("s", "on the beach", seed=1)  # drawn from the style reference
    kept = cli("refs", "remove", "s", other[:10])
    assert "its image stays in the session's store (turn 1 uses it)" in kept.out
    assert "PATH=LABEL" in refused(cli("refs", "add", "s", f"{tmp_path / 'front.png'}=sheet"))


def test_refs_refuses_unknown_roles_hashes_and_too_many(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s", refs=[RefInput(png(tmp_path / "a.png"))])
    before = (engine.session_dir("s").path / "session.json").read_bytes()
    assert cli("refs", "role", "s", "0000", "hero").code == 2  # argparse: not one of the roles
    refused(cli("refs", "role", "s", "ffff", "front"))
    refused(cli("refs", "remove", "s", "ffff"))
    refused(cli("refs", "add", "s", str(tmp_path / "missing.png")))
    assert (engine.session_dir("s").path / "session.json").read_bytes() == before


def test_a_prompt_names_the_roles_it_is_sent_with(engine: Engine, tmp_path: Path) -> None:
    from consistency_support import ORANGE

    engine.new_session(
        "s",
        character=ORANGE,
        refs=[
            RefInput(png(tmp_path / "f.png"), "f", "front"),
            RefInput(png(tmp_path / "o.png", (1, 2, 3)), "o", "outfit"),
        ],
    )
    assert "reference images (front view, outfit)" in engine.preview_prompt(engine.load("s"), "beach")

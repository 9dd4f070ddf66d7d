"""Prompt assembly: spec + keep rules + what was typed; visible before sending, stored exactly, switchable."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from consistency_support import ORANGE, cli, refused
from hypothesis import given
from hypothesis import strategies as st

from session_tui.domain.model import CharacterSpec
from session_tui.domain.prompting import EN, ZH, assemble, keep_items, phrases_for, role_names
from session_tui.engine import Engine

ZH_SPEC = CharacterSpec(
    name="小橘",
    hair="橙色双马尾",
    face="圆脸，有腮红",
    outfit="橙色卫衣和白色短裙",
    keep=["同样的橙色双马尾", "同样的腮红"],
)


def test_an_empty_spec_sends_what_was_typed() -> None:
    assert (
        assemble(CharacterSpec(), "  on the beach ", first_turn=True, has_references=True) == "on the beach"
    )


def test_a_fresh_picture_gets_the_description_the_roles_and_keep_x_y_z_exactly() -> None:
    text = assemble(
        ORANGE, "on the beach", first_turn=True, has_references=True, roles=["front", "side", "front"]
    )
    lines = text.splitlines()
    assert lines[0].startswith("Character: Little Orange.") and "Hair: orange pigtails." in lines[0]
    assert lines[1] == "Draw the same character as in the reference images (front view, side view)."
    assert lines[2] == "Keep exactly: same orange pigtails; same blush; change only the background and pose."
    assert lines[3] == "Scene: on the beach"


def test_without_references_there_is_nothing_to_match() -> None:
    text = assemble(ORANGE, "in the park", first_turn=True, has_references=False)
    assert "reference" not in text and "change only" not in text
    assert "Keep exactly: same orange pigtails; same blush." in text


def test_an_edit_keeps_everything_but_the_change() -> None:
    text = assemble(ORANGE, "make the scarf blue", first_turn=False, has_references=True)
    assert text.splitlines() == [
        "Edit the previous image of the character Little Orange.",
        "Keep exactly: same orange pigtails; same blush; change only this: make the scarf blue",
        "Everything else stays as in the previous image.",
    ]


def test_without_keep_rules_the_spec_says_what_to_keep() -> None:
    spec = ORANGE.model_copy(update={"keep": []})
    assert keep_items(spec) == [
        "orange pigtails",
        "big brown eyes",
        "round face with blush",
        "orange hoodie and white skirt",
        "orange hair accessory",
    ]
    bare = CharacterSpec(name="Ada", style="ink")
    assert "the character's face, hair, eyes and outfit" in assemble(
        bare, "x", first_turn=False, has_references=False
    )


def test_a_chinese_spec_gets_chinese_wording() -> None:
    assert phrases_for(ZH_SPEC) is ZH and phrases_for(ORANGE) is EN
    text = assemble(ZH_SPEC, "在海边", first_turn=True, has_references=True, roles=["front", "other"])
    assert text.splitlines()[1:] == [
        "画出与参考图中完全相同的角色（正面）。",
        "严格保持不变：同样的橙色双马尾；同样的腮红；只改变背景和姿势。",
        "场景：在海边",
    ]
    assert "只改变：把围巾换成蓝色" in assemble(
        ZH_SPEC, "把围巾换成蓝色", first_turn=False, has_references=True
    )


def test_roles_are_named_once_in_order_and_other_is_not_named() -> None:
    assert role_names(["style", "front", "style", "face"]) == "art style to follow, front view, face close-up"
    text = assemble(ORANGE, "x", first_turn=True, has_references=True, roles=["other"])
    assert "Draw the same character as in the reference images." in text


@given(st.text(min_size=1).filter(lambda s: s.strip()), st.booleans(), st.booleans())
def test_what_was_typed_is_always_in_the_assembled_prompt(typed: str, first: bool, refs: bool) -> None:
    assert typed.strip() in assemble(ORANGE, typed, first_turn=first, has_references=refs)


def test_the_preview_is_exactly_what_send_stores(engine: Engine) -> None:
    engine.new_session("s", character=ORANGE)
    for typed in ("on the beach", "make the scarf blue"):
        preview = engine.preview_prompt(engine.load("s"), typed)
        turn = engine.send("s", typed, seed=1)
        assert turn.prompt == typed and turn.prompt_sent == preview
    assert engine.load("s").turns[1].prompt_sent.startswith("Edit the previous image")


def test_an_edited_prompt_is_sent_and_stored_as_edited(engine: Engine) -> None:
    engine.new_session("s", character=ORANGE)
    turn = engine.send("s", "beach", prompt_sent="my own words, exactly", seed=1)
    assert (turn.prompt, turn.prompt_sent) == ("beach", "my own words, exactly")
    assert engine.load("s").turns[0].prompt_sent == "my own words, exactly"


def test_the_prompt_command_previews_and_switches_assembly(engine: Engine) -> None:
    engine.new_session("s", character=ORANGE)
    run = cli("prompt", "s", "on the beach")
    assert (
        run.code == 0 and run.out.startswith("Character: Little Orange.") and "Scene: on the beach" in run.out
    )
    assert cli("prompt", "s", "--assembly", "off").code == 0
    assert engine.load("s").header.assemble_prompt is False
    doc = json.loads(cli("prompt", "s", "on the beach", "--json").out)
    assert doc == {
        "name": "s",
        "assemble_prompt": False,
        "typed": "on the beach",
        "prompt_sent": "on the beach",
        "first_turn": True,
        "left_out_keep_rules": [],
    }
    assert engine.send("s", "on the beach", seed=2).prompt_sent == "on the beach"
    assert cli("prompt", "s", "--assembly", "on").code == 0
    assert engine.send("s", "in the snow", seed=2).prompt_sent.startswith("Edit the previous image")


def test_the_prompt_command_refuses_nothing_to_do_and_unknown_sessions(engine: Engine) -> None:
    engine.new_session("s")
    refused(cli("prompt", "s"))
    refused(cli("prompt", "s", "   "))
    refused(cli("prompt", "nope", "x"), code=1)


def test_edit_sends_what_was_saved_in_the_editor_and_keeps_what_was_typed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Scene:', 'Scene, at golden hour:'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    engine.new_session("s", character=ORANGE)
    run = cli("prompt", "s", "on the beach", "--edit")
    assert run.code == 0, run.err
    (turn,) = engine.load("s").turns
    assert turn.prompt == "on the beach"
    assert turn.prompt_sent.endswith("Scene, at golden hour: on the beach")


def test_edit_refuses_without_an_editor_or_with_an_empty_result(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.new_session("s", character=ORANGE)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    assert "Set $EDITOR" in refused(cli("prompt", "s", "beach", "--edit"))
    blank = tmp_path / "blank.py"
    blank.write_text("import sys, pathlib\npathlib.Path(sys.argv[1]).write_text('  ')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {blank}")
    assert "empty" in refused(cli("prompt", "s", "beach", "--edit"))
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'import sys; sys.exit(3)'")
    assert "exited with status 3" in refused(cli("prompt", "s", "beach", "--edit"))
    assert engine.load("s").turns == []

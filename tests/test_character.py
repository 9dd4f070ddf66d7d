"""Character spec files: reading, clear refusals, advice, the commented template, and the CLI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from consistency_support import ORANGE, cli, refused

from session_tui.domain.character import advise, template, toml_string
from session_tui.engine import Engine
from session_tui.engine.specfiles import check_character, load_character, write_template
from session_tui.errors import InvalidInput

FULL = """\
name = "Little Orange"
style = "chibi"
hair = "orange pigtails"
eyes = "big brown eyes"
face = "round face with blush"
outfit = "orange hoodie and white skirt"
accessories = ["orange hair accessory"]
palette = ["#ff8c00", "#FFFFFF"]
keep = ["same orange pigtails", "same blush"]
notes = "cheerful"
"""


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_spec_loads_with_keep_rules_and_upper_case_palette(tmp_path: Path) -> None:
    spec = load_character(write(tmp_path, FULL))
    assert spec.keep == ["same orange pigtails", "same blush"]
    assert spec.palette == ["#FF8C00", "#FFFFFF"]
    assert advise(spec) == []


def test_the_character_table_works_too_and_cjk_survives(tmp_path: Path) -> None:
    spec = load_character(
        write(tmp_path, '[character]\nname = "小橘"\nhair = "橙色双马尾"\nkeep = ["同样的腮红"]\n')
    )
    assert (spec.name, spec.hair, spec.keep) == ("小橘", "橙色双马尾", ["同样的腮红"])


def test_a_bom_from_a_windows_editor_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'name = "A"\n')
    assert load_character(path).name == "A"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('hiar = "x"\n', "unknown field 'hiar' (did you mean 'hair'?)"),
        (
            'accessories = "scarf"\n',
            'accessories must be a list of text, like accessories = ["orange hair clip"]',
        ),
        ("keep = [1]\n", "keep item 1 must be text in quotes"),
        ("hair = 3\n", "hair must be text in quotes"),
        ('palette = ["orange"]\n', "is not a hex colour like #FF8C00"),
        ('name = "x\n', "is not valid TOML"),
        ('[character]\nname = "a"\n[other]\nx = 1\n', "outside the [character] table"),
    ],
)
def test_bad_specs_are_refused_with_one_clear_sentence(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(InvalidInput) as info:
        load_character(write(tmp_path, text))
    assert needle in info.value.message
    assert "\n" not in info.value.message


def test_a_file_that_is_not_utf8_or_missing_or_a_folder_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Zoë"\n'.encode("latin-1"))
    for path, needle in (
        (latin, "not UTF-8"),
        (tmp_path / "nope.toml", "does not exist"),
        (tmp_path, "folder"),
    ):
        with pytest.raises(InvalidInput, match=needle):
            load_character(path)


def test_advice_names_what_weakens_consistency() -> None:
    spec = ORANGE.model_copy(update={"keep": [], "palette": []})
    advice = " ".join(advise(spec))
    assert "No keep rules" in advice and "No palette" in advice
    assert advise(ORANGE.model_copy(update={"name": ""}))[0].startswith("No name")
    assert (
        "empty"
        in advise(
            ORANGE.model_copy(
                update={
                    "name": "",
                    "hair": "",
                    "eyes": "",
                    "face": "",
                    "outfit": "",
                    "accessories": [],
                    "palette": [],
                    "keep": [],
                }
            )
        )[0]
    )


def test_the_template_is_a_valid_commented_spec(tmp_path: Path) -> None:
    path = write_template(tmp_path / "new.toml", name='小橘 "Orange"\\')
    text = path.read_text(encoding="utf-8")
    assert text.count("#") > 10  # it explains itself
    spec = load_character(path)
    assert spec.name == '小橘 "Orange"\\'
    assert spec.model_dump(exclude={"name"}) == type(spec)().model_dump(exclude={"name"})


def test_toml_string_escapes_what_toml_refuses_raw() -> None:
    for text in ('a "quote"', "back\\slash", "tab\tand\nnewline", "del\x7f", "控制\x01"):
        assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


def test_new_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    target = write(tmp_path, "# mine\n", "mine.toml")
    refused(cli("character", "new", str(target)))
    assert target.read_text() == "# mine\n"
    assert cli("character", "new", str(target), "--force", "--name", "Ada").code == 0
    assert load_character(target).name == "Ada"
    refused(cli("character", "new", str(tmp_path / "no" / "such" / "dir.toml")))
    assert not (tmp_path / "no").exists()


def test_check_prints_the_spec_the_example_prompt_and_advice(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    run = cli("character", "check", str(path))
    assert run.code == 0, run.err
    assert "valid character spec for Little Orange" in run.out
    assert "keep: same blush" in run.out
    assert "change only the background and pose" in run.out
    sparse = write(tmp_path, 'name = "A"\n', "sparse.toml")
    run = cli("character", "check", str(sparse))
    assert run.code == 0 and "advice: No keep rules" in run.out
    assert cli("character", "check", str(sparse), "--strict").code == 1
    doc = json.loads(cli("character", "check", str(path), "--json").out)
    assert (
        doc["valid"] is True
        and doc["warnings"] == []
        and doc["character"]["palette"] == ["#FF8C00", "#FFFFFF"]
    )


def test_check_of_a_bad_file_is_a_refusal(tmp_path: Path) -> None:
    err = refused(cli("character", "check", str(write(tmp_path, 'eyess = "x"\n'))))
    assert "did you mean 'eyes'" in err


def test_set_gives_a_session_the_spec_and_show_prints_it_back(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s")
    assert cli("character", "set", "s", str(write(tmp_path, FULL))).code == 0
    assert engine.load("s").header.character == check_character(tmp_path / "c.toml").spec
    shown = cli("character", "show", "s")
    assert tomllib.loads(shown.out) == {
        k: v for k, v in engine.load("s").header.character.model_dump().items() if k != "schema_version"
    }
    before = (engine.session_dir("s").path / "session.json").read_bytes()
    refused(cli("character", "set", "s", str(write(tmp_path, "hair = 1\n", "bad.toml"))))
    assert (engine.session_dir("s").path / "session.json").read_bytes() == before


def test_template_mentions_how_to_check_it() -> None:
    assert "session-tui character check my.toml" in template("", "my.toml")

"""Validation of the domain: everything is checked before it is sent or written, in one sentence."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from session_tui.domain.model import (
    ASPECT_RATIOS,
    MAX_REFERENCES,
    SEED_MAX,
    CharacterSpec,
    GenerationParams,
    ReferenceImage,
    SessionHeader,
    make,
    validate_name,
)
from session_tui.engine.specfiles import load_character
from session_tui.errors import InvalidInput

_ALLOWED = re.compile(r"[A-Za-z0-9_.-]{1,100}")

# The article's "Little Blue", written in Chinese as in the article.
LITTLE_BLUE_TOML = """\
[character]
name = "小蓝"
style = "Q版卡通风格，柔和的赛璐璐上色"
hair = "浅蓝色双马尾"
eyes = "大大的蓝色眼睛"
face = "圆脸，脸颊有红晕"
outfit = "蓝色卫衣和白色短裙"
accessories = ["蓝色蝴蝶结发饰"]
palette = ["#1e90ff", "#87CEEB", "#FFFFFF", "#F0F8FF"]
keep = ["同样的浅蓝色双马尾", "同样的红晕"]
notes = "始终保持同一个角色"
"""


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and "Traceback" not in message


# -- generation parameters ---------------------------------------------------------------------


def test_the_ten_aspect_ratios() -> None:
    assert ASPECT_RATIOS[:10] == ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
    # Gemini 3.1 Flash Image adds the tall and wide ones; each provider's capabilities narrow the list.
    assert ASPECT_RATIOS[10:] == ("1:4", "4:1", "1:8", "8:1")
    for ratio in ASPECT_RATIOS:
        assert make(GenerationParams, {"aspect_ratio": ratio}).aspect_ratio == ratio


@pytest.mark.parametrize("ratio", ["1:2", "16:10", "9:21", "1x1", "", "1:1:1", "square"])
def test_other_aspect_ratios_are_refused(ratio: str) -> None:
    with pytest.raises(InvalidInput) as info:
        make(GenerationParams, {"aspect_ratio": ratio})
    assert one_sentence(info.value.message)
    assert "16:9" in info.value.message  # the sentence lists what to use


@pytest.mark.parametrize("size", ["1K", "2K", "4K"])
def test_image_sizes(size: str) -> None:
    assert make(GenerationParams, {"image_size": size}).image_size == size


@pytest.mark.parametrize("size", ["1k", "2k", "4k"])
def test_lowercase_k_is_refused_with_advice(size: str) -> None:
    with pytest.raises(InvalidInput) as info:
        make(GenerationParams, {"image_size": size})
    message = info.value.message
    assert one_sentence(message)
    assert "uppercase K" in message and size.upper() in message


@pytest.mark.parametrize("size", ["3K", "8K", "1024", "", "K", "2KB", 2])
def test_unknown_image_sizes_are_refused(size: object) -> None:
    with pytest.raises(InvalidInput) as info:
        make(GenerationParams, {"image_size": size})
    assert one_sentence(info.value.message)


@pytest.mark.parametrize("seed", [0, 1, 42, SEED_MAX])
def test_seed_range_accepted(seed: int) -> None:
    assert make(GenerationParams, {"seed": seed}).seed == seed


@pytest.mark.parametrize("seed", [-1, SEED_MAX + 1, 2**63])
def test_seed_out_of_range_is_refused(seed: int) -> None:
    with pytest.raises(InvalidInput) as info:
        make(GenerationParams, {"seed": seed})
    assert one_sentence(info.value.message)
    assert str(SEED_MAX) in info.value.message


@given(st.integers())
def test_seed_property(seed: int) -> None:
    if 0 <= seed <= SEED_MAX:
        assert make(GenerationParams, {"seed": seed}).seed == seed
    else:
        with pytest.raises(InvalidInput):
            make(GenerationParams, {"seed": seed})


@given(ratio=st.text(max_size=8), size=st.text(max_size=4))
def test_params_property(ratio: str, size: str) -> None:
    ok = ratio.strip() in ASPECT_RATIOS and size.strip() in ("1K", "2K", "4K")
    if ok:
        params = make(GenerationParams, {"aspect_ratio": ratio, "image_size": size})
        assert (params.aspect_ratio, params.image_size) == (ratio.strip(), size.strip())
    else:
        with pytest.raises(InvalidInput) as info:
            make(GenerationParams, {"aspect_ratio": ratio, "image_size": size})
        assert one_sentence(info.value.message)


def test_merged_validates_changes_and_ignores_none() -> None:
    base = make(GenerationParams, {"aspect_ratio": "4:3", "seed": 7})
    assert base.merged(seed=None, image_size="2K").model_dump() == {
        "aspect_ratio": "4:3",
        "image_size": "2K",
        "seed": 7,
        "extras": {},
    }
    with pytest.raises(InvalidInput):
        base.merged(image_size="2k")
    assert base.image_size == "1K"  # a refused change leaves the original alone


# -- references ----------------------------------------------------------------------------------


def _ref(i: int) -> dict[str, object]:
    return {"sha256": f"{i:064x}", "label": f"r{i}", "role": "front"}


def test_at_most_14_references() -> None:
    assert MAX_REFERENCES == 14
    header = make(SessionHeader, {"name": "s", "references": [_ref(i) for i in range(14)]})
    assert len(header.references) == 14
    with pytest.raises(InvalidInput) as info:
        make(SessionHeader, {"name": "s", "references": [_ref(i) for i in range(15)]})
    assert one_sentence(info.value.message) and "14" in info.value.message


def test_reference_role_is_checked() -> None:
    assert make(ReferenceImage, {"sha256": "a" * 64, "role": "promoted"}).role == "promoted"
    with pytest.raises(InvalidInput) as info:
        make(ReferenceImage, {"sha256": "a" * 64, "role": "sideways"})
    assert "front" in info.value.message


# -- session names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["a", "little-orange", "Little_Orange.v2", "x" * 100, "a..b", "0", "小蓝", "café", "ｆｕｌｌ", "Ωμέγα-2"],
)
def test_good_names(name: str) -> None:
    assert validate_name(name) == name


def test_names_are_nfc_normalised() -> None:
    assert validate_name("cafe\u0301") == "café"


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "/abs",
        "",
        "x" * 101,
        ".hidden",
        ".",
        "..",
        "a/b",
        "a\\b",
        "a b",
        "a\nb",
        "abc\n",
        "a\x00b",
        "a\u200bb",
        "a\u3000b",
        "\u0301a",
        "x²",
        "tab\t",
        "a:b",
        "~home",
    ],
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_name(name)
    assert one_sentence(info.value.message)


def test_name_messages_say_what_is_wrong() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        validate_name("")
    with pytest.raises(InvalidInput, match=r"101 characters.*100"):
        validate_name("x" * 101)
    with pytest.raises(InvalidInput, match="letters, digits"):
        validate_name("../x")


@given(st.text(max_size=110))
def test_name_property(name: str) -> None:
    """A name is accepted exactly when, NFC-normalised, it is 1-100 letters, combining marks or decimal
    digits of any script, '-', '_', '.', not led by '.' or a mark (and fits a folder name)."""
    norm = unicodedata.normalize("NFC", name)
    expected = (
        0 < len(norm) <= 100
        and len(norm.encode()) <= 200
        and all(
            c in "-_." or unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd" for c in norm
        )
        and not norm.startswith(".")
        and not unicodedata.category(norm[0]).startswith("M")
    )
    try:
        validate_name(name)
        accepted = True
    except InvalidInput:
        accepted = False
    assert accepted == expected
    if accepted:
        root = Path("/home-root")
        assert (root / name).parent == root and name not in (".", "..")


# -- the character spec ---------------------------------------------------------------------------


def test_character_spec_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "little-blue.toml"
    path.write_text(LITTLE_BLUE_TOML, encoding="utf-8")
    spec = load_character(path)
    assert spec.name == "小蓝"
    assert spec.hair == "浅蓝色双马尾"
    assert spec.accessories == ["蓝色蝴蝶结发饰"]
    assert spec.palette == ["#1E90FF", "#87CEEB", "#FFFFFF", "#F0F8FF"]  # normalised to uppercase
    text = spec.describe()
    assert "小蓝" in text and "浅蓝色双马尾" in text and "#1E90FF" in text
    # it survives a JSON round trip unchanged
    assert CharacterSpec.model_validate_json(spec.model_dump_json()) == spec


def test_character_spec_refusals(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="hex colour"):
        make(CharacterSpec, {"palette": ["FF8C00"]})
    with pytest.raises(InvalidInput, match="Unknown field 'colour'"):
        make(CharacterSpec, {"colour": "red"})
    bad = tmp_path / "bad.toml"
    bad.write_bytes("name = '小蓝'".encode("gbk"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        load_character(bad)
    with pytest.raises(InvalidInput, match="does not exist"):
        load_character(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        load_character(broken)


def test_top_level_character_file_works(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('name = "Little Orange"\npalette = ["#FF8C00"]\n', encoding="utf-8")
    assert load_character(path).name == "Little Orange"

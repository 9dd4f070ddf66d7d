"""What keeps a turn's score cheap: one decode per picture, cached references, a fast exact ΔE00.

The speed itself is measured by benchmarks/bench_turn.py; these tests pin what must hold for
it: the score never decodes a picture the provider already decoded, it equals what
``session-tui score`` computes again from the stored bytes, and the faster colour code gives
exactly the answers of the plain formulas.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from consistency_support import ORANGE, png
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import session_tui.engine.scores as scoring_session
from session_tui.config import Config, Profile
from session_tui.domain.records import Score
from session_tui.engine import Engine, RefInput
from session_tui.engine.scores import rescore
from session_tui.media.images import SMALL_SIDE, small_copy, verify_decodes
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider
from session_tui.scoring.colour import delta_e_2000, shares_within
from session_tui.scoring.features import image_features, open_small, small_features


def same_score(a: Score | None, b: Score | None) -> bool:
    """Equal but for when each was computed."""
    assert a is not None and b is not None
    return {**a.model_dump(), "computed_at": None} == {**b.model_dump(), "computed_at": None}


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every picture the score decodes itself (the sizes of the bytes it was handed)."""
    seen: list[int] = []

    def counting(data: bytes) -> Any:
        seen.append(len(data))
        return open_small(data)

    monkeypatch.setattr(scoring_session, "open_small", counting)
    monkeypatch.setattr("session_tui.scoring.features.open_small", counting)
    yield seen


def encode(img: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


class Answering(Provider):
    """Answers every turn with one fixed picture, reporting it decoded (with its small copy) or not."""

    kind = "test-answering"

    def __init__(self, home: Home, picture: bytes, *, checked: bool) -> None:
        super().__init__("answering", Profile(kind="offline", model="answering"), home)
        self.picture, self.checked = picture, checked

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=14, seed_honoured=False)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        if not self.checked:
            return GenerationResult(images=[self.picture])
        return GenerationResult(images=[self.picture], previews=[verify_decodes(self.picture, small=True)])


def answering_engine(home: Home, picture: bytes, *, checked: bool) -> Engine:
    return Engine(home, Config(), provider_factory=lambda c, n, h: Answering(h, picture, checked=checked))


def gradient(size: tuple[int, int] = (640, 360), mode: str = "RGB") -> Image.Image:
    img = Image.linear_gradient("L").resize(size).convert(mode)
    img.paste((255, 140, 0) if mode == "RGB" else (255, 140, 0, 255), (40, 40, 200, 200))
    return img


# -- one decode per picture ------------------------------------------------------------------------
def test_an_offline_turn_is_scored_from_the_drawing_and_matches_a_rescore(
    engine: Engine, tmp_path: Path, decodes: list[int]
) -> None:
    ref = png(tmp_path / "ref.png", size=(300, 200))
    engine.new_session("s", character=ORANGE, refs=[RefInput(ref, "front", "front")])
    turn = engine.send("s", "on the beach", seed=3)
    assert decodes == []  # neither the new picture nor the reference was decoded by the score
    assert set(turn.score.parts) == {"colour", "hue", "texture", "structure", "palette"}
    (again,) = rescore(engine.session_dir("s"))
    assert len(decodes) == 1  # `session-tui score` decodes the stored picture ...
    assert same_score(again.score, turn.score)  # ... and finds exactly what the turn stored


@pytest.mark.parametrize(
    "picture",
    [
        encode(gradient()),
        encode(gradient(mode="RGBA")),
        encode(gradient((1376, 768)), "JPEG"),  # JPEG: never scored from a reduced-scale draft
        encode(gradient((200, 120)).convert("P")),
    ],
    ids=["png", "png-alpha", "jpeg", "palette"],
)
def test_a_checked_answer_is_scored_without_a_second_decode(
    home: Home, tmp_path: Path, decodes: list[int], picture: bytes
) -> None:
    engine = answering_engine(home, picture, checked=True)
    engine.new_session("s", character=ORANGE, refs=[RefInput(png(tmp_path / "ref.png"), "front", "front")])
    turn = engine.send("s", "standing")
    assert decodes == [] and turn.score.total is not None
    (again,) = rescore(engine.session_dir("s"))
    assert same_score(again.score, turn.score)


def test_an_unchecked_answer_is_decoded_once_for_its_score(home: Home, decodes: list[int]) -> None:
    picture = encode(gradient())
    engine = answering_engine(home, picture, checked=False)
    engine.new_session("s", character=ORANGE)
    turn = engine.send("s", "standing")
    assert decodes == [len(picture)] and turn.score.total is not None


def test_references_are_analysed_when_added_not_on_the_first_turn(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = [
        RefInput(png(tmp_path / f"r{i}.png", colour=(40 * i, 90, 200)), f"view {i}", "front")
        for i in range(3)
    ]
    engine.new_session("s", character=ORANGE, refs=refs[:2])
    engine.add_references("s", refs[2:])
    cached = sorted(p.stem for p in (engine.session_dir("s").path / "cache").rglob("*.json"))
    assert cached == sorted(r.sha256 for r in engine.load("s").header.references)

    def no_decoding(data: bytes) -> Any:
        raise AssertionError("a reference was decoded again to score a turn")

    monkeypatch.setattr(scoring_session, "image_features", no_decoding)
    turn = engine.send("s", "on the beach", seed=1)
    assert turn.score.details["nearest_reference"] in {
        r.sha256[:12] for r in engine.load("s").header.references
    }


def test_a_damaged_feature_cache_is_computed_again(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s", character=ORANGE, refs=[RefInput(png(tmp_path / "r.png"), "front", "front")])
    (cache,) = (engine.session_dir("s").path / "cache").rglob("*.json")
    cache.write_text("{not json")
    turn = engine.send("s", "standing", seed=2)
    assert "colour" in turn.score.parts
    assert cache.read_text().startswith('{"version"')  # written again, whole


# -- the small copy --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1024, 1024), (256, 256)),
        ((1376, 768), (256, 143)),
        ((4096, 2304), (256, 144)),
        ((100, 50), (100, 50)),
    ],
)
def test_the_small_copy_keeps_the_ratio_within_its_side(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    img = Image.new("RGB", size, (10, 20, 30))
    small = small_copy(img)
    assert small.size == expected and max(small.size) <= SMALL_SIDE and small.mode == "RGB"
    assert small is not img


def test_the_small_copy_lays_transparency_on_white_and_turns_photos_upright() -> None:
    clear = small_copy(Image.new("RGBA", (40, 40), (0, 0, 0, 0)))
    assert clear.getpixel((0, 0)) == (255, 255, 255)
    photo = Image.new("RGB", (60, 20), (0, 0, 255))
    photo.paste((255, 0, 0), (0, 0, 10, 20))  # red on the left
    exif = photo.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    out = io.BytesIO()
    photo.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    upright = verify_decodes(out.getvalue(), small=True)
    assert upright.size == (20, 60)
    red, _, blue = upright.getpixel((10, 2))  # the red edge is now on top
    assert red > 200 and blue < 60


@pytest.mark.parametrize(("mode", "fmt"), [("CMYK", "JPEG"), ("I;16", "PNG"), ("LA", "PNG"), ("1", "PNG")])
def test_any_decodable_picture_gets_an_rgb_small_copy(mode: str, fmt: str) -> None:
    small = verify_decodes(encode(Image.new(mode, (300, 30)), fmt), small=True)
    assert small.mode == "RGB" and small.size == (256, 26)


# -- the colour code is exact ----------------------------------------------------------------------
def reference_delta_e(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 written the plain way (degrees, as in Sharma, Wu and Dalal): the oracle."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar7 = ((math.hypot(a1, b1) + math.hypot(a2, b2)) / 2) ** 7
    g = 0.5 * (1 - math.sqrt(c_bar7 / (c_bar7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dhp = 0.0 if c1p * c2p == 0 else h2p - h1p
    if dhp > 180:
        dhp -= 360
    elif dhp < -180:
        dhp += 360
    d_hp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    else:
        hp_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(hp_bar - 30))
        + 0.24 * math.cos(math.radians(2 * hp_bar))
        + 0.32 * math.cos(math.radians(3 * hp_bar + 6))
        - 0.20 * math.cos(math.radians(4 * hp_bar - 63))
    )
    lp_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    s_l = 1 + 0.015 * (lp_bar - 50) ** 2 / math.sqrt(20 + (lp_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = (
        -math.sin(math.radians(2 * 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))))
        * 2
        * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    )
    x, y, z = (l2 - l1) / s_l, (c2p - c1p) / s_c, d_hp / s_h
    return math.sqrt(x * x + y * y + z * z + r_t * y * z)


lab = st.tuples(st.floats(0, 100), st.floats(-128, 127), st.floats(-128, 127))
near = st.tuples(st.floats(-4, 4), st.floats(-4, 4), st.floats(-4, 4))


@settings(max_examples=400, deadline=None)
@given(lab, lab, near, st.booleans())
def test_delta_e_matches_the_plain_formula(p: tuple, q: tuple, step: tuple, close: bool) -> None:
    if close:  # most interesting pairs are near each other: hue wrap-around, tiny chroma
        q = (p[0] + step[0], p[1] + step[1], p[2] + step[2])
    assert delta_e_2000(p, q) == pytest.approx(reference_delta_e(p, q), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(lab, st.floats(0.0001, 1)), max_size=60),
    st.lists(lab, min_size=1, max_size=5),
    st.sampled_from([2.0, 10.0, 25.0]),
)
def test_shares_within_skips_only_colours_that_could_not_count(
    colours: list, targets: list, threshold: float
) -> None:
    brute = [sum(s for c, s in colours if reference_delta_e(c, t) <= threshold) for t in targets]
    assert shares_within(colours, targets, threshold) == pytest.approx(brute, abs=1e-12)


def test_the_features_of_a_picture_are_those_of_its_small_copy() -> None:
    data = encode(gradient((900, 700)))
    assert image_features(data) == small_features(verify_decodes(data, small=True))

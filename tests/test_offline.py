"""The offline renderer: deterministic, sized as documented, following scene and colour words."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from session_tui.config import Profile
from session_tui.domain.model import CharacterSpec, GenerationParams
from session_tui.domain.vocabulary import BASE_RATIOS
from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.providers import offline_art
from session_tui.providers.base import GenerationRequest, HistoryTurn
from session_tui.providers.offline import OfflineProvider

RGB = tuple[int, int, int]

ORANGE = CharacterSpec(
    name="Little Orange",
    hair="orange pigtails",
    eyes="big brown eyes",
    outfit="orange hoodie and white skirt",
    accessories=["red scarf", "orange hair accessory"],
    palette=["#FF8C00", "#FFA500", "#FFFFFF", "#FFE4B5"],
)
LITTLE_BLUE = CharacterSpec(
    name="小蓝",
    hair="浅蓝色双马尾",
    eyes="大大的蓝色眼睛",
    outfit="蓝色卫衣和白色短裙",
    accessories=["蓝色蝴蝶结发饰"],
    palette=["#1E90FF", "#87CEEB", "#FFFFFF", "#F0F8FF"],
)


@pytest.fixture
def provider(tmp_path: Path) -> OfflineProvider:
    return OfflineProvider("offline", Profile(kind="offline", model="offline-renderer"), Home(tmp_path))


def draw(
    provider: OfflineProvider,
    typed: str,
    seed: int = 7,
    spec: CharacterSpec = ORANGE,
    ratio: str = "1:1",
    size: str = "1K",
    history: tuple[str, ...] = (),
) -> bytes:
    params = GenerationParams(aspect_ratio=ratio, image_size=size, seed=seed)
    past = [HistoryTurn(i + 1, p, p, "", [], {}) for i, p in enumerate(history)]
    request = GenerationRequest(
        prompt=f"assembled: {typed}", typed=typed, params=params, character=spec, history=past
    )
    (image,) = provider.generate(request).images
    return image


def open_rgb(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def pixels(img: Image.Image) -> list[RGB]:
    # get_flattened_data replaces getdata from Pillow 12.1; fall back for older Pillow.
    return list(getattr(img, "get_flattened_data", img.getdata)())


def mode(img: Image.Image, box: tuple[float, float, float, float]) -> RGB:
    """The most common colour in a box given as fractions of the width and height."""
    w, h = img.size
    crop = img.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return Counter(pixels(crop)).most_common(1)[0][0]  # type: ignore[no-any-return]


def sky(img: Image.Image) -> RGB:
    return mode(img, (0, 0, 0.1, 0.1))  # top left, away from the character


def ground(img: Image.Image) -> RGB:
    return mode(img, (0, 0.86, 0.1, 0.95))  # bottom left, above the caption bar


def changed(a: Image.Image, b: Image.Image) -> list[tuple[RGB, RGB]]:
    assert a.size == b.size
    return [(p, q) for p, q in zip(pixels(a), pixels(b), strict=True) if p != q]


def is_blue(c: RGB) -> bool:
    return c[2] > 150 and c[2] > c[0] + 80 and c[2] > c[1] + 40


def is_red(c: RGB) -> bool:
    return c[0] > 150 and c[0] > c[1] + 80 and c[0] > c[2] + 80


def is_green(c: RGB) -> bool:
    return c[1] > 100 and c[1] > c[0] + 40 and c[1] > c[2] + 40


# -- determinism ---------------------------------------------------------------------------------


def test_same_seed_and_input_give_the_same_bytes(provider: OfflineProvider) -> None:
    assert draw(provider, "on the beach", seed=11) == draw(provider, "on the beach", seed=11)
    assert draw(provider, "在海边", seed=0, spec=LITTLE_BLUE) == draw(
        provider, "在海边", seed=0, spec=LITTLE_BLUE
    )


def test_different_seed_gives_different_bytes(provider: OfflineProvider) -> None:
    images = {draw(provider, "in the park", seed=s) for s in (1, 2, 3, 2**32 - 1)}
    assert len(images) == 4


def test_same_seed_through_the_engine_in_two_sessions(engine: Engine) -> None:
    for name in ("a", "b"):
        engine.new_session(name, character=ORANGE)
    one = engine.send("a", "on the beach", seed=42).images[0]
    two = engine.send("b", "on the beach", seed=42).images[0]
    assert one.sha256 == two.sha256
    assert engine.send("b", "on the beach", seed=43).images[0].sha256 != one.sha256


def test_seed_used_is_recorded_and_honoured(engine: Engine) -> None:
    engine.new_session("s")
    turn = engine.send("s", "hello", seed=9)
    assert turn.seed_honoured and turn.provider_state["seed_used"] == 9
    unseeded = engine.send("s", "hello")
    assert not unseeded.seed_honoured and isinstance(unseeded.provider_state["seed_used"], int)


# -- sizes ---------------------------------------------------------------------------------------


def test_documented_pixel_sizes_at_1k(provider: OfflineProvider) -> None:
    documented = {
        "1:1": (1024, 1024),
        "2:3": (848, 1264),
        "3:2": (1264, 848),
        "3:4": (896, 1200),
        "4:3": (1200, 896),
        "4:5": (928, 1152),
        "5:4": (1152, 928),
        "9:16": (768, 1376),
        "16:9": (1376, 768),
        "21:9": (1584, 672),
    }
    assert set(documented) == set(BASE_RATIOS)
    for ratio, size in documented.items():
        assert open_rgb(draw(provider, "hi", ratio=ratio)).size == size, ratio


@pytest.mark.parametrize("ratio", ["1:1", "16:9", "9:16", "21:9"])
def test_2k_doubles(provider: OfflineProvider, ratio: str) -> None:
    w, h = open_rgb(draw(provider, "hi", ratio=ratio)).size
    assert open_rgb(draw(provider, "hi", ratio=ratio, size="2K")).size == (2 * w, 2 * h)


def test_4k_quadruples(provider: OfflineProvider) -> None:
    assert open_rgb(draw(provider, "hi", size="4K")).size == (4096, 4096)


# -- scenes ----------------------------------------------------------------------------------------

SCENES = ("beach", "snow", "night", "office", "kitchen", "park")


def test_scene_words_change_the_background(provider: OfflineProvider) -> None:
    studio = open_rgb(draw(provider, "standing"))
    backgrounds = {"studio": (sky(studio), ground(studio))}
    for scene in SCENES:
        img = open_rgb(draw(provider, f"standing in the {scene}"))
        backgrounds[scene] = (sky(img), ground(img))
    assert len(set(backgrounds.values())) == len(backgrounds), backgrounds  # every scene looks different

    beach_sky, beach_ground = backgrounds["beach"]
    assert beach_sky[2] > beach_sky[0] + 60  # blue sky
    assert beach_ground[0] > 200 and beach_ground[0] > beach_ground[2] + 50  # sand
    assert min(backgrounds["snow"][1]) > 240  # white ground
    assert sum(backgrounds["night"][0]) < 150  # dark sky
    assert is_green(backgrounds["park"][1])  # grass


def test_chinese_scene_words(provider: OfflineProvider) -> None:
    english = open_rgb(draw(provider, "on the beach", spec=LITTLE_BLUE))
    chinese = open_rgb(draw(provider, "在海边散步", spec=LITTLE_BLUE))
    assert (sky(english), ground(english)) == (sky(chinese), ground(chinese))
    snow = open_rgb(draw(provider, "下雪了", spec=LITTLE_BLUE))
    assert min(ground(snow)) > 240


def test_the_scene_stays_on_later_turns(provider: OfflineProvider) -> None:
    later = open_rgb(draw(provider, "wave", history=("at night",)))
    assert sum(sky(later)) < 150


# -- colour edits ----------------------------------------------------------------------------------


def test_make_the_scarf_blue_gives_a_blue_scarf(provider: OfflineProvider) -> None:
    before = open_rgb(draw(provider, "stand still"))
    after = open_rgb(draw(provider, "make the scarf blue"))
    diff = changed(before, after)
    assert len(diff) > 500  # the scarf is big enough to see
    assert sum(is_red(old) for old, _ in diff) / len(diff) > 0.95  # it was the spec's red scarf
    assert sum(is_blue(new) for _, new in diff) / len(diff) > 0.95  # and every changed pixel is blue


def test_an_edit_adds_a_missing_accessory(provider: OfflineProvider) -> None:
    spec = ORANGE.model_copy(update={"accessories": []})
    before = open_rgb(draw(provider, "stand still", spec=spec))
    after = open_rgb(draw(provider, "give her a green scarf", spec=spec))
    diff = changed(before, after)
    assert len(diff) > 500
    assert sum(is_green(new) for _, new in diff) / len(diff) > 0.9


def test_make_the_hoodie_red(provider: OfflineProvider) -> None:
    before = open_rgb(draw(provider, "stand still"))
    after = open_rgb(draw(provider, "make the hoodie red"))
    diff = changed(before, after)
    assert len(diff) > 2000
    assert sum(is_red(new) for _, new in diff) / len(diff) > 0.95


def test_edits_persist_through_the_history(provider: OfflineProvider) -> None:
    edited = draw(provider, "make the scarf blue", seed=5)
    assert draw(provider, "wave", seed=5, history=("make the scarf blue",)) == edited
    assert draw(provider, "wave", seed=5) != edited


def test_chinese_spec_draws_light_blue_hair(provider: OfflineProvider) -> None:
    blue = open_rgb(draw(provider, "stand still", spec=LITTLE_BLUE))
    orange = open_rgb(
        draw(provider, "stand still", spec=LITTLE_BLUE.model_copy(update={"hair": "橙色双马尾"}))
    )
    diff = changed(orange, blue)
    assert len(diff) > 2000
    assert sum(new == (135, 190, 245) for _, new in diff) / len(diff) > 0.8  # 浅蓝: light blue


# -- it says what it is ----------------------------------------------------------------------------


def test_the_caption_says_offline_renderer(
    provider: OfflineProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    captions: list[str] = []
    real = offline_art.caption

    def spy(img: Image.Image, text: str) -> None:
        captions.append(text)
        real(img, text)

    monkeypatch.setattr(offline_art, "caption", spy)
    data = draw(provider, "hi", seed=3)
    assert captions == ["session-tui offline renderer · seed 3"]
    img = Image.open(io.BytesIO(data))
    assert "offline renderer" in img.info["Software"] and "not an AI model" in img.info["Software"]
    bar = open_rgb(data).crop((0, img.height - 20, img.width, img.height))
    colours = Counter(pixels(bar))
    assert colours.most_common(1)[0][0] == (0, 0, 0) and colours[(230, 230, 230)] > 50  # text on a black bar
    assert "offline renderer" in provider.label() and "not an AI model" in provider.label()
    caps = provider.capabilities()
    assert caps.is_model is False and "not an AI model" in caps.description and caps.seed_honoured


# -- reset by promotion keeps the look ------------------------------------------------------------


def test_promoted_image_keeps_the_look_in_a_reset_session(engine: Engine) -> None:
    engine.new_session("orig", character=ORANGE)
    engine.send("orig", "on the beach", seed=1)
    engine.send("orig", "make the scarf blue", seed=2)
    engine.approve("orig", label="blue-beach")
    engine.reset("orig", checkpoint="blue-beach", into="fresh")
    # the reset session has no history, only the promoted reference: it still draws the edited look
    in_reset = engine.send("fresh", "wave", seed=3)
    in_orig = engine.send("orig", "wave", seed=3)
    assert in_reset.images[0].sha256 == in_orig.images[0].sha256
    engine.new_session("spec-only", character=ORANGE)
    without = engine.send("spec-only", "wave", seed=3)
    assert without.images[0].sha256 != in_reset.images[0].sha256
    img = open_rgb(engine.session_dir("fresh").blobs.read(in_reset.images[0]))
    assert ground(img)[0] > 200 and ground(img)[0] > ground(img)[2] + 50  # still on the beach


def test_chained_resets_keep_the_newest_promoted_look(engine: Engine, tmp_path: Path) -> None:
    """With --keep-refs the old promoted image rides along; the newest one must still set the look."""
    engine.new_session("a", character=ORANGE)
    engine.send("a", "make the scarf blue", seed=1)
    engine.approve("a", label="blue")
    engine.reset("a", checkpoint="blue", into="b", keep_refs=True)
    engine.send("b", "make the scarf green", seed=2)
    engine.approve("b", label="green")
    c = engine.reset("b", checkpoint="green", into="c", keep_refs=True)
    assert [r.role for r in c.header.references] == ["promoted", "promoted"]
    in_c = engine.send("c", "wave", seed=3)
    in_b = engine.send("b", "wave", seed=3)  # b's conversation ends with the green scarf
    assert in_c.images[0].sha256 == in_b.images[0].sha256

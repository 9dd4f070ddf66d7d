"""Issue 15: the offline renderer tells the article's story, and what it cannot draw it says.

Pixel checks on the drawings (scenes, props, accessories, brightness words) and the reply text,
plus the leftover of the same issue: ``refs remove`` removes the image nobody uses any more.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import json
from pathlib import Path

import pytest
from consistency_support import cli, png
from PIL import Image, PngImagePlugin
from test_offline import (
    ORANGE,
    RGB,
    changed,
    draw,
    ground,
    is_green,
    is_red,
    mode,
    open_rgb,
    pixels,
    provider,
    sky,
)

from session_tui.domain.model import CharacterSpec, GenerationParams, ImageRef
from session_tui.engine import Engine
from session_tui.providers.base import GenerationRequest, HistoryTurn, InputImage
from session_tui.providers.offline import LOOK_CHUNK, OfflineProvider, _look_from_image

__all__ = ["provider"]  # the fixture, shared with test_offline

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


# -- the article's scenes, props and accessories, as pixels -----------------------------------------

BLACK_HAIR = ORANGE.model_copy(update={"hair": "black pigtails", "accessories": []})


def picture(
    provider: OfflineProvider, typed: str, spec: CharacterSpec = ORANGE, seed: int = 7, **kw: object
) -> Image.Image:
    return open_rgb(draw(provider, typed, seed=seed, spec=spec, **kw))  # type: ignore[arg-type]


def region(img: Image.Image, box: tuple[float, float, float, float]) -> list[RGB]:
    w, h = img.size
    return pixels(img.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h))))


def lightness(c: RGB) -> float:
    return colorsys.rgb_to_hls(*(v / 255 for v in c))[1]


def test_supermarket_has_shelves_of_oranges(provider: OfflineProvider) -> None:
    shop = picture(provider, "picking oranges in a supermarket")
    studio = picture(provider, "standing")
    fruit = (255, 140, 0)
    assert region(shop, (0, 0, 0.25, 0.7)).count(fruit) > 5000  # left shelves, away from her
    assert region(studio, (0, 0, 0.25, 0.7)).count(fruit) == 0


def test_park_bench_and_book(provider: OfflineProvider) -> None:
    park = picture(provider, "reading a book on a park bench")
    plain = picture(provider, "in the park")
    assert is_green(ground(park))
    bench = (110, 75, 40)
    assert (
        region(park, (0.2, 0.5, 0.8, 0.8)).count(bench)
        > region(plain, (0.2, 0.5, 0.8, 0.8)).count(bench) + 3000
    )
    pages = (250, 248, 235)
    assert pixels(park).count(pages) > 300 and pixels(plain).count(pages) == 0


def test_kitchen_baking_with_an_apron(provider: OfflineProvider) -> None:
    before = picture(provider, "in the kitchen")
    after = picture(provider, "baking cookies in the kitchen with an apron")
    diff = changed(before, after)
    white = sum(new == (250, 250, 250) and old == (255, 140, 0) for old, new in diff)
    assert white > 3000  # a white apron over the orange hoodie
    assert sum(new == (210, 160, 90) for _, new in diff) > 100  # cookies on a tray


def sky_warmth(img: Image.Image) -> float:
    box = region(img, (0, 0, 1, 0.4))
    return sum(r - b for r, _, b in box) / len(box)


def test_sunset_sky_is_warmer_and_the_sun_is_low(provider: OfflineProvider) -> None:
    sunset = picture(provider, "on the beach at sunset")
    midday = picture(provider, "on the beach")
    assert sky_warmth(sunset) > sky_warmth(midday) + 100
    w, h = sunset.size
    sun = [i for i, c in enumerate(pixels(sunset)) if c == (255, 225, 120)]
    assert len(sun) > 1000 and min(i // w for i in sun) > 0.4 * h  # the sun sits on the sea
    day_sun = [i for i, c in enumerate(pixels(midday)) if c == (255, 220, 80)]
    assert max(i // w for i in day_sun) < 0.25 * h  # at midday it is high


def test_christmas_room_has_a_tree_and_the_santa_hat_sits_on_her_head(provider: OfflineProvider) -> None:
    room = picture(provider, "in a room decorated for Christmas", spec=BLACK_HAIR)
    hat = picture(provider, "in a room decorated for Christmas wearing a Santa hat", spec=BLACK_HAIR)
    assert region(room, (0.7, 0.2, 1, 0.9)).count((30, 120, 55)) > 5000  # the tree, right of her
    w, _ = room.size
    hair_rows = [i // w for i, c in enumerate(pixels(room)) if c == (30, 30, 35)]
    red = [
        i // w
        for old, new, i in (
            (o, n, i) for i, (o, n) in enumerate(zip(pixels(room), pixels(hat), strict=True)) if o != n
        )
        if is_red(new)
    ]
    assert len(red) > 1000
    assert sum(y < min(hair_rows) for y in red) / len(red) > 0.6  # most of the red is above her head


def test_an_orange_fruit_clip_is_a_round_orange_with_a_leaf_not_a_bow(provider: OfflineProvider) -> None:
    bare = picture(provider, "standing", spec=BLACK_HAIR)
    clip = picture(
        provider, "standing", spec=BLACK_HAIR.model_copy(update={"accessories": ["orange-fruit hair clip"]})
    )
    bow = picture(provider, "standing", spec=BLACK_HAIR.model_copy(update={"accessories": ["orange bow"]}))
    w, _ = bare.size
    orange = [
        (i % w, i // w)
        for i, (o, n) in enumerate(zip(pixels(bare), pixels(clip), strict=True))
        if o != n and n == (255, 140, 0)
    ]
    xs, ys = [x for x, _ in orange], [y for _, y in orange]
    width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
    assert 0.8 < width / height < 1.25  # round
    assert 0.6 < len(orange) / (width * height) < 0.85  # a disc fills about pi/4 of its box
    leaf = [
        (x, y)
        for (x, y), c in ((divmod_xy(i, w), n) for i, n in enumerate(pixels(clip)))
        if c == (40, 140, 50)
    ]
    assert leaf and all(y < min(ys) + height / 2 for _, y in leaf)  # the leaf on top
    assert (40, 140, 50) not in pixels(bow) and pixels(bow) != pixels(clip)


def divmod_xy(i: int, w: int) -> tuple[int, int]:
    return i % w, i // w


@pytest.mark.parametrize(
    ("word", "up"), [("brighter", True), ("lighter", True), ("paler", True), ("darker", False)]
)
def test_brightness_words_change_the_colour_they_name(provider: OfflineProvider, word: str, up: bool) -> None:
    before = picture(provider, "stand still")
    after = picture(provider, f"make the hoodie {word}")
    diff = changed(before, after)
    hoodie = [(o, n) for o, n in diff if o == (255, 140, 0)]
    assert len(hoodie) > 2000 and len(hoodie) / len(diff) > 0.9  # the hoodie changed, little else
    assert all((lightness(n) > lightness(o)) == up for o, n in hoodie)


def test_brightness_builds_on_the_last_turn(provider: OfflineProvider) -> None:
    once = picture(provider, "wave", history=("make the hoodie brighter",))
    twice = picture(provider, "make the hoodie brighter", history=("make the hoodie brighter",))
    plain = picture(provider, "wave")
    hoodie = (0.46, 0.45, 0.54, 0.5)  # the middle of her hoodie
    assert lightness(mode(twice, hoodie)) > lightness(mode(once, hoodie)) > lightness(mode(plain, hoodie))


@pytest.mark.parametrize(
    "scene", ["in a cafe", "at the office desk", "in the library", "under the cherry blossoms"]
)
def test_the_other_article_scenes_have_their_own_backgrounds(provider: OfflineProvider, scene: str) -> None:
    img = picture(provider, scene)
    others = [picture(provider, s) for s in ("standing", "in the park", "in the kitchen", "in a supermarket")]
    assert all((sky(img), ground(img)) != (sky(o), ground(o)) for o in others)
    if "blossoms" in scene:
        assert pixels(img).count((245, 165, 195)) > 2000  # pink blossom


def test_props_stay_in_the_scene_and_go_with_it(provider: OfflineProvider) -> None:
    pages = (250, 248, 235)
    later = picture(provider, "wave", history=("reading a book on a park bench",))
    assert pixels(later).count(pages) > 300
    moved = picture(provider, "on the beach", history=("reading a book on a park bench",))
    assert pixels(moved).count(pages) == 0


# -- the reply says what was drawn and what was not -------------------------------------------------


def reply(provider: OfflineProvider, typed: str, history: tuple[str, ...] = ()) -> str:
    params = GenerationParams(seed=7)
    past = [HistoryTurn(i + 1, p, p, "", [], {}) for i, p in enumerate(history)]
    request = GenerationRequest(prompt=typed, typed=typed, params=params, character=ORANGE, history=past)
    return provider.generate(request).text


def test_the_reply_lists_what_it_could_not_draw(provider: OfflineProvider) -> None:
    text = reply(provider, "riding a dragon to the castle")
    assert text.endswith("Not drawn: dragon, castle.") and "not an AI model" in text
    drawn = reply(provider, "reading a book on a park bench")
    assert "Not drawn" not in drawn and "park with book, bench" in drawn
    assert "beach at sunset" in reply(provider, "on the beach at sunset")
    assert "Not drawn: sunset." in reply(provider, "in the kitchen at sunset")  # no sky indoors
    assert "Not drawn" not in reply(provider, "make the hoodie brighter")
    # another language's function words are not objects; its accented words stay whole
    assert reply(provider, "avec un dragon et une écharpe").endswith("Not drawn: dragon, écharpe.")


def test_send_through_the_cli_is_deterministic_and_names_what_it_drew(isolated_home: Path) -> None:
    for name in ("a", "b"):
        assert cli("new", name).code == 0
    docs = [
        json.loads(cli("send", n, "reading a book on a park bench", "--seed", "7", "--json").out)
        for n in ("a", "b")
    ]
    assert docs[0]["images"][0]["sha256"] == docs[1]["images"][0]["sha256"]
    again = json.loads(cli("send", "a", "reading a book on a park bench", "--seed", "7", "--json").out)
    assert again["images"][0]["sha256"] == docs[0]["images"][0]["sha256"]  # twice in one session too
    assert "park with book, bench" in docs[0]["reply_text"]
    odd = json.loads(cli("send", "a", "riding a dragon", "--seed", "7", "--json").out)
    assert odd["reply_text"].endswith("Not drawn: dragon.")


def test_pictures_drawn_before_props_existed_still_give_their_look(provider: OfflineProvider) -> None:
    data = draw(provider, "on the beach")
    img = Image.open(io.BytesIO(data))
    look = json.loads(img.info[LOOK_CHUNK])
    del look["props"], look["light"]
    info = PngImagePlugin.PngInfo()
    info.add_text(LOOK_CHUNK, json.dumps(look))
    out = io.BytesIO()
    img.save(out, format="PNG", pnginfo=info)
    raw = out.getvalue()
    ref = ImageRef(
        sha256=hashlib.sha256(raw).hexdigest(),
        mime="image/png",
        width=img.width,
        height=img.height,
        size_bytes=len(raw),
    )
    old = _look_from_image(InputImage(ref, lambda _: raw, "old", "promoted"))
    assert old is not None and old.scene == "beach" and old.props == () and old.light == "day"

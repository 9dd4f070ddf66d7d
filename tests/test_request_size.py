"""Inputs are never sent larger than the model can use, and fitting them does not hold every original."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image

from session_tui.domain.model import ImageRef
from session_tui.providers.base import InputImage
from session_tui.providers.budget import USEFUL_SIDE, fit
from session_tui.providers.input_cache import InputCache


def picture(size: tuple[int, int], mode: str = "RGB") -> bytes:
    img = Image.linear_gradient("L").resize(size).convert(mode)
    if mode == "RGBA":
        img.putalpha(Image.radial_gradient("L").resize(size))  # real transparency, not just an alpha band
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class Counted(InputImage):
    def __init__(self, data: bytes, size: tuple[int, int]) -> None:
        self.reads = 0

        def load(_ref: ImageRef) -> bytes:
            self.reads += 1
            return data

        ref = ImageRef(
            sha256=hashlib.sha256(data).hexdigest(), width=size[0], height=size[1], size_bytes=len(data)
        )
        super().__init__(ref, load)


def test_large_inputs_are_scaled_to_the_useful_size_even_when_the_budget_is_roomy() -> None:
    big, wide, small = (USEFUL_SIDE * 2, USEFUL_SIDE * 2), (USEFUL_SIDE + 600, 900), (800, 600)
    inputs = [Counted(picture(big), big), Counted(picture(wide), wide), Counted(picture(small), small)]
    out = fit([(i, "reference") for i in inputs], budget_bytes=10**9, fixed_bytes=0, service="s")
    assert [(p.width, p.height) for p in out] == [(USEFUL_SIDE, USEFUL_SIDE), (USEFUL_SIDE, 696), small]
    for p in out[:2]:
        assert "the most the model uses" in p.changed and p.mime == "image/jpeg"
        with Image.open(io.BytesIO(p.data)) as img:
            assert img.size == (p.width, p.height)
    assert out[2].data == picture(small) and out[2].changed == ""  # small enough: sent as it is
    # the originals' bytes were let go once scaled (read once, not kept for the whole request)
    assert [i.reads for i in inputs] == [1, 1, 1]
    assert "data" not in inputs[0].__dict__ and "data" in inputs[2].__dict__


def test_transparency_survives_the_scaling() -> None:
    size = (USEFUL_SIDE + 100, USEFUL_SIDE + 100)
    out = fit(
        [(Counted(picture(size, "RGBA"), size), "reference")], budget_bytes=10**9, fixed_bytes=0, service="s"
    )
    assert out[0].mime == "image/webp"
    with Image.open(io.BytesIO(out[0].data)) as img:
        assert img.mode == "RGBA" and max(img.size) == USEFUL_SIDE


def test_a_scaled_input_still_shrinks_further_for_a_tight_budget() -> None:
    size = (USEFUL_SIDE * 2, USEFUL_SIDE * 2)
    data = picture(size)
    roomy = fit([(Counted(data, size), "reference")], budget_bytes=10**9, fixed_bytes=0, service="s")[0]
    tight = fit(
        [(Counted(data, size), "reference")], budget_bytes=len(roomy.data), fixed_bytes=0, service="s"
    )[0]
    assert tight.width < USEFUL_SIDE and len(tight.data) * 4 // 3 + 200 <= len(roomy.data)


def test_a_scaled_copy_is_kept_so_later_turns_do_not_read_the_original(tmp_path: Path) -> None:
    size = (USEFUL_SIDE * 2, USEFUL_SIDE)
    data = picture(size)
    cache = InputCache(tmp_path / "cache")
    first = fit(
        [(Counted(data, size), "reference")], budget_bytes=10**9, fixed_bytes=0, service="s", cache=cache
    )[0]
    again = Counted(data, size)
    second = fit([(again, "reference")], budget_bytes=10**9, fixed_bytes=0, service="s", cache=cache)[0]
    assert again.reads == 0  # the 4K original was not read, let alone decoded
    assert (second.data, second.mime, second.width, second.height, second.changed) == (
        first.data,
        first.mime,
        first.width,
        first.height,
        first.changed,
    )
    assert second.sha256 == first.sha256 == hashlib.sha256(data).hexdigest()


def test_a_damaged_or_linked_cache_entry_is_a_miss(tmp_path: Path) -> None:
    size = (USEFUL_SIDE * 2, USEFUL_SIDE)
    data = picture(size)
    cache = InputCache(tmp_path / "cache")
    fit([(Counted(data, size), "reference")], budget_bytes=10**9, fixed_bytes=0, service="s", cache=cache)
    (entry,) = cache.folder.iterdir()
    entry.write_bytes(b"not an image")
    fresh = Counted(data, size)
    out = fit([(fresh, "reference")], budget_bytes=10**9, fixed_bytes=0, service="s", cache=cache)[0]
    assert fresh.reads == 1 and out.width == USEFUL_SIDE  # computed again, and the entry rewritten
    other = tmp_path / "elsewhere.jpg"
    other.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(other)
    linked = Counted(data, size)
    fit([(linked, "reference")], budget_bytes=10**9, fixed_bytes=0, service="s", cache=cache)
    assert linked.reads == 1

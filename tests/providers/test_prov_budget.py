"""Request budget: inputs shrink to fit, none is dropped, originals stay as they were."""

from __future__ import annotations

import hashlib
import io
import random
import threading

import pytest
from PIL import Image

from session_tui.domain.model import ImageRef
from session_tui.errors import Cancelled, ProviderError
from session_tui.providers.base import InputImage
from session_tui.providers.budget import GEMINI_MIMES, MIN_SIDE, b64_len, fit


def noise(seed: int, size: tuple[int, int] = (900, 600), fmt: str = "PNG") -> bytes:
    rnd = random.Random(seed)
    img = Image.frombytes("RGB", size, rnd.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def image(data: bytes, mime: str = "image/png", size: tuple[int, int] | None = None) -> InputImage:
    if size is None:
        with Image.open(io.BytesIO(data)) as img:
            size = img.size
    w, h = size
    ref = ImageRef(
        sha256=hashlib.sha256(data).hexdigest(), mime=mime, width=w, height=h, size_bytes=len(data)
    )
    return InputImage(ref, lambda _ref: data)


def test_everything_fits_untouched_when_small() -> None:
    data = noise(1, (40, 40))
    out = fit([(image(data), "reference")], budget_bytes=1_000_000, fixed_bytes=100, service="s")
    assert out[0].data == data and out[0].changed == ""


def test_inputs_are_shrunk_to_fit_and_none_is_dropped() -> None:
    originals = [noise(i) for i in range(4)]
    inputs = [(image(d), "reference") for d in originals[:3]] + [(image(originals[3]), "last")]
    budget = sum(b64_len(len(d)) for d in originals) // 3
    out = fit(inputs, budget_bytes=budget, fixed_bytes=1000, service="s")
    assert len(out) == 4
    assert 1000 + sum(b64_len(len(p.data)) + 200 for p in out) <= budget
    assert [p.sha256 for p in out] == [hashlib.sha256(d).hexdigest() for d in originals]
    assert all(p.changed for p in out[:3])
    for p in out:
        with Image.open(io.BytesIO(p.data)) as img:
            img.load()
            assert (img.width, img.height) == (p.width, p.height)
    # the image being edited keeps the most detail
    assert out[3].width >= max(p.width for p in out[:3])
    # what the turn records: the changed images as sent
    assert [p.info() for p in out[:3]] == [
        {
            "role": p.role,
            "image": p.sha256[:12],
            "mime": p.mime,
            "width": p.width,
            "height": p.height,
            "bytes": len(p.data),
            "changed": p.changed,
        }
        for p in out[:3]
    ]


def test_an_image_sent_as_stored_is_recorded_by_name_alone() -> None:
    data = noise(2, (40, 40))
    (sent,) = fit([(image(data), "reference")], budget_bytes=10_000_000, fixed_bytes=0, service="s")
    assert sent.data == data and not sent.changed
    assert sent.info() == {"role": "reference", "image": hashlib.sha256(data).hexdigest()[:12]}


def test_an_impossible_budget_is_a_clear_error() -> None:
    with pytest.raises(ProviderError, match=f"even scaled down to {MIN_SIDE} px"):
        fit([(image(noise(1)), "reference")], budget_bytes=5_000, fixed_bytes=100, service="s")
    with pytest.raises(ProviderError, match="before its input images"):
        fit([], budget_bytes=5_000, fixed_bytes=10_000, service="s")


def test_formats_the_service_does_not_take_are_converted() -> None:
    gif = noise(3, (30, 30), "GIF")
    out = fit(
        [(image(gif, "image/gif"), "reference")],
        budget_bytes=10_000_000,
        fixed_bytes=0,
        service="s",
        accepted=GEMINI_MIMES,
    )
    assert out[0].mime == "image/png" and "converted from GIF" in out[0].changed


def test_undecodable_input_is_reported() -> None:
    broken = image(b"\x89PNG\r\n\x1a\n broken", size=(10, 10))
    with pytest.raises(ProviderError, match="does not decode"):
        fit([(broken, "reference")], budget_bytes=10, fixed_bytes=0, service="s")


def test_cancel_is_observed_while_shrinking() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        fit([(image(noise(1)), "reference")], budget_bytes=50_000, fixed_bytes=0, service="s", cancel=cancel)

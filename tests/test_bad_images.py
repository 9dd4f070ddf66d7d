"""Bad images offered as references or returned by a provider: handled correctly or refused clearly.

Memory stays bounded: pixels are never decoded beyond session-tui's limit, and a file is never read
past the byte limit.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from rel_support import build_session, png_bytes, run_cli

from session_tui.config import Config, Profile
from session_tui.engine import Engine, RefInput
from session_tui.errors import InvalidInput, SessionTuiError
from session_tui.media.images import MAX_IMAGE_BYTES, MAX_PIXELS
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider
from session_tui.store.check import check_session


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions; its pixel data is a few bytes (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def gray_png(width: int, height: int) -> bytes:
    """A real, valid grayscale PNG of any size, compressed row by row without holding its pixels."""
    comp = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * width
    body = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def _exif_rotated() -> bytes:
    """A 40×20 JPEG, left half red, tagged 'rotate 90° clockwise to display' (orientation 6)."""
    img = Image.new("RGB", (40, 20), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def _palette_transparent() -> bytes:
    img = Image.new("P", (16, 16), 0)
    img.putpalette([255, 255, 255, 200, 30, 30] + [0] * 762)
    img.paste(1, (4, 4, 12, 12))
    out = io.BytesIO()
    img.save(out, format="PNG", transparency=0)
    return out.getvalue()


def _png_16bit_rgb() -> bytes:
    rows = b"".join(b"\x00" + struct.pack(">HHH", 65535, 30000, 0) * 8 for _ in range(8))
    ihdr = struct.pack(">IIBBBBB", 8, 8, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


GOOD = png_bytes((64, 48))
REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "not an image": (lambda: b"hello, I am text pretending to be a picture", "not an image format"),
    "zero bytes": (lambda: b"", "empty (0 bytes)"),
    "truncated png": (lambda: GOOD[: len(GOOD) * 2 // 3], "damaged"),
    "truncated jpeg": (lambda: png_bytes((64, 48), fmt="JPEG")[:300], "damaged"),
    "decompression bomb": (lambda: png_header_only(100_000, 100_000), "too large"),
    "over the pixel limit": (lambda: png_header_only(9000, 8000), "larger than the 64 MP limit"),
    "animated gif": (lambda: _animated("GIF"), "animated (2 frames)"),
    "animated webp": (lambda: _animated("WEBP"), "animated (2 frames)"),
    "bmp": (lambda: png_bytes(fmt="BMP"), "is BMP; use PNG, JPEG, WebP or GIF"),
    "tiff": (lambda: png_bytes(fmt="TIFF"), "is TIFF; use PNG, JPEG, WebP or GIF"),
    "heic (Pillow cannot open)": (
        lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
        "not an image format",
    ),
    "svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "not an image format",
    ),
}
ACCEPTED: dict[str, Callable[[], bytes]] = {
    "cmyk jpeg": lambda: png_bytes((32, 32), mode="CMYK", fmt="JPEG"),
    "16-bit gray png": lambda: png_bytes((32, 32), mode="I;16"),
    "16-bit rgb png": _png_16bit_rgb,
    "palette with transparency": _palette_transparent,
    "grayscale with alpha": lambda: png_bytes((16, 16), mode="LA"),
    "1-bit png": lambda: png_bytes((16, 16), mode="1"),
    "single-frame gif": lambda: png_bytes((16, 16), mode="P", fmt="GIF"),
    "webp": lambda: png_bytes((16, 16), fmt="WEBP"),
    "exif-rotated jpeg": _exif_rotated,
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_reference_is_refused_in_one_sentence(
    engine: Engine, home: Home, tmp_path: Path, case: str
) -> None:
    make, fragment = REFUSED[case]
    path = tmp_path / "bad.img"
    path.write_bytes(make())
    r = run_cli("new", "demo", "--ref", str(path))
    assert r.code == 2, r
    assert r.err.startswith("session-tui: Reference 'bad.img'") and r.err.count("\n") == 1, r.err
    assert fragment in r.err, r.err
    assert engine.store.names() == []
    build_session(engine, turns=1, approve=False)
    before = engine.load("demo")
    with pytest.raises(InvalidInput, match=re.escape("Reference 'bad.img'")):
        engine.add_references("demo", [RefInput(path)])
    assert engine.load("demo").header == before.header


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_odd_but_valid_references_are_kept_and_export(
    engine: Engine, home: Home, tmp_path: Path, case: str
) -> None:
    path = tmp_path / "odd.img"
    path.write_bytes(ACCEPTED[case]())
    session = engine.new_session("demo", refs=[RefInput(path, "odd")])
    ref = session.header.references[0]
    assert ref.width > 0 and ref.height > 0
    engine.send("demo", "standing", seed=1)
    engine.approve("demo")
    assert check_session(engine.store, "demo").ok
    # The reference is promoted into a new session, then exported: an RGB(A) PNG comes out.
    child = engine.reset("demo", turn=1, into="child")
    assert child.header.references[0].role == "promoted"
    r = run_cli("export", "demo", "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    exported = next((tmp_path / "out").glob("*.png"))
    with Image.open(exported) as img:
        assert img.format == "PNG"


def test_exif_rotation_is_applied_once_when_stored(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    path.write_bytes(_exif_rotated())
    ref = engine.new_session("demo", refs=[RefInput(path)]).header.references[0]
    assert (ref.width, ref.height) == (20, 40)  # upright: portrait
    data = engine.session_dir("demo").blobs.read(ref)
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (20, 40)
        assert ImageOps.exif_transpose(img).size == (20, 40)  # no orientation left to apply twice
        top = img.convert("RGB").getpixel((10, 5))
        assert top[0] > 200 and top[2] < 60  # the red half is now on top


def test_palette_transparency_survives_export(engine: Engine, tmp_path: Path) -> None:
    build_session(engine, turns=1, approve=False)
    engine.reset("demo", turn=1, into="x")  # any session; then approve an image with transparency
    session = _session_with_output(engine, _palette_transparent())
    engine.approve(session)
    r = run_cli("export", session, "--out", str(tmp_path / "out"))
    assert r.code == 0
    with Image.open(next((tmp_path / "out").glob("*.png"))) as img:
        rgba = img.convert("RGBA")
        assert rgba.getpixel((0, 0))[3] == 0 and rgba.getpixel((8, 8))[3] == 255


class _Returns(Provider):
    """A provider that answers with given bytes (a service sending something odd)."""

    kind = "fake"
    answer: bytes = b""

    @property
    def model(self) -> str:
        return "fake-model"

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=14, seed_honoured=False)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        return GenerationResult(images=[self.answer], text="here you go", model=self.model)


def _engine_returning(home: Home, data: bytes) -> Engine:
    def factory(config: Config, name: str | None, h: Home) -> Provider:
        provider = _Returns(name or "fake", Profile(kind="offline", model="fake-model"), h)
        provider.answer = data
        return provider

    return Engine(home, provider_factory=factory)


def _session_with_output(engine: Engine, data: bytes) -> str:
    fake = _engine_returning(engine.home, data)
    fake.new_session("out")
    fake.send("out", "draw")
    return "out"


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_image_from_a_provider_fails_the_turn_and_keeps_the_prompt(home: Home, case: str) -> None:
    engine = _engine_returning(home, REFUSED[case][0]())
    engine.new_session("demo")
    with pytest.raises(SessionTuiError) as err:
        engine.send("demo", "a picture please")
    assert "The image the provider returned" in err.value.message and REFUSED[case][1] in err.value.message
    turn = engine.load("demo").turns[-1]
    assert turn.status == "failed" and turn.prompt == "a picture please" and turn.images == []
    assert REFUSED[case][1] in (turn.error or "")
    assert check_session(engine.store, "demo").ok


@pytest.mark.parametrize(
    "case", ["cmyk jpeg", "16-bit gray png", "exif-rotated jpeg", "palette with transparency"]
)
def test_odd_image_from_a_provider_is_kept(home: Home, case: str, tmp_path: Path) -> None:
    engine = _engine_returning(home, ACCEPTED[case]())
    engine.new_session("demo")
    turn = engine.send("demo", "draw")
    assert turn.status == "ok" and turn.images[0].width > 0
    engine.approve("demo")
    assert run_cli("export", "demo", "--out", str(tmp_path / "o")).code == 0


def test_special_and_oversized_files_are_refused_without_reading_them(engine: Engine, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    with open(big, "wb") as fh:
        fh.truncate(MAX_IMAGE_BYTES + 1)  # sparse: large on paper, nothing read
    r = run_cli("new", "demo", "--ref", str(big))
    assert r.code == 2 and "larger than" in r.err and r.err.count("\n") == 1, r.err
    r = run_cli("new", "demo", "--ref", "/dev/zero")
    assert r.code == 2 and "not a regular file" in r.err, r.err
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    r = run_cli("new", "demo", "--ref", str(fifo))  # would block forever if opened for reading
    assert r.code == 2 and "not a regular file" in r.err, r.err
    r = run_cli("new", "demo", "--ref", str(tmp_path))
    assert r.code == 2 and "folder" in r.err


MEMORY_PROBE = r"""
import io, json, resource, sys
sys.path.insert(0, sys.argv[1])
from test_bad_images import png_header_only, gray_png
from session_tui.errors import InvalidInput
from session_tui.media.images import inspect_image, verify_decodes, MAX_PIXELS
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcomes = {}
for name, data in [("bomb", png_header_only(200_000, 200_000)), ("over", png_header_only(9000, 8000)),
                   ("limit", gray_png(8000, 7999))]:
    try:
        inspect_image(data); verify_decodes(data); outcomes[name] = "kept"
    except InvalidInput as exc:
        outcomes[name] = exc.message
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_mb": (after - before) / 1024, "outcomes": outcomes}))
"""


def test_memory_stays_bounded(tmp_path: Path) -> None:
    """A bomb is refused before decoding; the biggest allowed image costs about its pixel count."""
    assert MAX_PIXELS >= 8000 * 7999
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert "too large" in doc["outcomes"]["bomb"] and "64 MP" in doc["outcomes"]["over"]
    assert doc["outcomes"]["limit"] == "kept"
    # 64 M one-byte pixels decoded once: well under 4 bytes a pixel.
    assert doc["grew_mb"] < 4 * MAX_PIXELS / 2**20, doc


def test_export_of_every_accepted_kind_is_an_rgb_or_rgba_png(home: Home, tmp_path: Path) -> None:
    names = []
    for i, case in enumerate(sorted(ACCEPTED)):
        engine = _engine_returning(home, ACCEPTED[case]())
        name = f"s{i}"
        engine.new_session(name)
        engine.send(name, "draw")
        engine.approve(name)
        names.append(name)
        assert run_cli("export", name, "--out", str(tmp_path / name)).code == 0
        with Image.open(next((tmp_path / name).glob("*.png"))) as img:
            assert img.mode in ("RGB", "RGBA", "L", "LA", "P", "1"), (case, img.mode)
            meta = json.loads(img.info["session-tui"])
            assert meta["session"] == name

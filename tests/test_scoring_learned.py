"""The learned backend's real code path, on tiny randomly initialised models built from configs.

No weights are downloaded: the models are made here, so these tests say the code works, not that
the scores are good (docs/SCORING.md: its quality could not be measured on this machine). They are
skipped when the vision extra (torch, transformers) is not installed.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from session_tui.errors import InvalidInput

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from session_tui.scoring import learned  # noqa: E402 - after the skips


def png(colour: tuple[int, int, int], background: tuple[int, int, int] = (200, 200, 205)) -> bytes:
    img = Image.new("RGB", (256, 256), background)
    draw = ImageDraw.Draw(img)
    draw.ellipse((96, 40, 160, 104), fill=colour)
    draw.rounded_rectangle((84, 100, 172, 210), 20, fill=colour)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(params=["dinov2", "clip"])
def embedder(request: pytest.FixtureRequest) -> learned.Embedder:
    torch.manual_seed(0)
    if request.param == "dinov2":
        config = transformers.Dinov2Config(
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            image_size=56,
            patch_size=14,
        )
        return learned.embedder_from_model(transformers.Dinov2Model(config), "dinov2", 56, "tiny-dinov2")
    config = transformers.CLIPVisionConfig(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        image_size=64,
        patch_size=16,
        projection_dim=16,
    )
    return learned.embedder_from_model(
        transformers.CLIPVisionModelWithProjection(config), "clip", 64, "tiny-clip"
    )


def test_embeddings_are_unit_vectors_and_cosine_tells_pictures_apart(embedder: learned.Embedder) -> None:
    orange, blue = (
        learned.embed_image(embedder, png((255, 140, 0))),
        learned.embed_image(embedder, png((30, 60, 220))),
    )
    assert sum(v * v for v in orange) == pytest.approx(1.0, abs=1e-5)
    assert learned.embed_image(embedder, png((255, 140, 0))) == orange  # deterministic
    assert learned.cosine(orange, orange) == pytest.approx(1.0)
    assert learned.cosine(orange, blue) < 0.9999


def test_score_learned_has_the_shape_of_the_local_score(embedder: learned.Embedder) -> None:
    from session_tui.scoring.features import image_features

    ref_data = png((255, 140, 0))
    ref = learned.LearnedReference("front", learned.embed_image(embedder, ref_data), image_features(ref_data))
    same = learned.score_learned(
        ref_data, [ref], ["#FF8C00"], keep_rules=["same orange hoodie"], embedder=embedder
    )
    assert same["backend"] == "learned" and same["version"] == 3
    assert same["total"] == 100 and same["verdict"] == "consistent" and same["flags"] == []
    assert same["parts"] == {"embedding": 1.0} and same["details"]["nearest_reference"] == "front"
    blue = learned.score_learned(
        png((30, 60, 220)), [ref], ["#FF8C00"], keep_rules=["same orange hoodie"], embedder=embedder
    )
    assert blue["parts"]["embedding"] < 1.0 and blue["verdict"] != "consistent"
    assert any(f.startswith('keep "same orange hoodie": orange fell from') for f in blue["flags"]), blue[
        "flags"
    ]
    with pytest.raises(InvalidInput, match="references"):
        learned.score_learned(ref_data, [], embedder=embedder)
    with pytest.raises(InvalidInput, match="decoded"):
        learned.score_learned(b"not a picture", [ref], embedder=embedder)


def test_offline_with_an_empty_cache_is_one_clear_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(InvalidInput) as caught:
        learned.load_embedder("dinov2-small", folder=tmp_path)
    message = caught.value.message
    assert "could not be downloaded" in message and "local backend" in message and message.count(". ") == 0
    with pytest.raises(InvalidInput, match="Unknown learned model"):
        learned.load_embedder("resnet")


def test_without_the_extra_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)  # as if not installed
    with pytest.raises(InvalidInput, match=r"pip install -e '\.\[vision\]'"):
        learned.load_embedder()


def test_importing_the_backend_loads_neither_torch_nor_transformers() -> None:
    code = (
        "import sys\nimport session_tui.scoring.learned, session_tui.scoring.score\n"
        "print(','.join(m for m in ('torch', 'transformers', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

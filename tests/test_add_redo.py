"""session-tui add (a picture made elsewhere as an external turn) and send --redo N."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from session_tui.cli import main
from session_tui.paths import Home

A1111 = (
    "front view of Mira, orange hoodie\nNegative prompt: blurry\n"
    "Steps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 3141592, Size: 832x1216, Model: sdxl, Version: v1.10.1"
)
COMFY_PROMPT = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 271828, "positive": ["6", 0], "negative": ["7", 0]}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "side view of Mira", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
}


def _png(path: Path, chunks: dict[str, str], colour: tuple[int, int, int] = (200, 90, 30)) -> Path:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGB", (64, 96), colour).save(out, format="PNG", pnginfo=info)
    path.write_bytes(out.getvalue())
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_a1111_and_comfyui_pngs_show_their_provenance(
    home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "new", "mira")[0] == 0
    a1111 = _png(tmp_path / "a1111.png", {"parameters": A1111})
    comfy = _png(
        tmp_path / "comfy.png", {"prompt": json.dumps(COMFY_PROMPT), "workflow": "{}"}, (20, 90, 200)
    )
    code, out, _ = _run(capsys, "add", "mira", str(a1111), "--note", "retouched in Krita", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "external" and doc["status"] == "ok" and doc["checkpoint"] is None
    code, _, _ = _run(capsys, "add", "mira", str(comfy), "--label", "side")
    assert code == 0
    _, out, _ = _run(capsys, "show", "mira", "--json")
    turns = json.loads(out)["turns"]
    first, second = turns
    assert first["provider"] == "external" and first["prompt"] == "retouched in Krita"
    assert first["provider_state"]["source_tool"].startswith("Stable Diffusion WebUI")
    assert first["provider_state"]["source_seed"] == 3141592
    assert first["prompt_sent"] == "front view of Mira, orange hoodie"
    assert first["request"]["provenance"]["file"] == str(a1111)
    assert first["score"] is not None
    assert second["provider_state"]["source_tool"] == "ComfyUI"
    assert second["provider_state"]["source_seed"] == 271828
    assert second["prompt_sent"] == "side view of Mira"
    checkpoints = json.loads(out)["checkpoints"]
    assert [(c["label"], c["turn"]) for c in checkpoints] == [("side", second["index"])]
    # approvable like any turn
    assert _run(capsys, "approve", "mira", "--turn", str(first["index"]), "--label", "front")[0] == 0


def test_add_refuses_without_writing(home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "new", "mira")[0] == 0
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a picture")
    code, _, err = _run(capsys, "add", "mira", str(bad))
    assert code != 0 and "Image 'bad.png'" in err and "Traceback" not in err
    good = _png(tmp_path / "g.png", {})
    assert _run(capsys, "add", "mira", str(good), "--label", "a")[0] == 0
    code, _, err = _run(capsys, "add", "mira", str(good), "--label", "a")
    assert code != 0 and "already labelled 'a'" in err
    _, out, _ = _run(capsys, "show", "mira", "--json")
    assert len(json.loads(out)["turns"]) == 1


def test_send_redo_on_the_seeded_offline_renderer(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "new", "mira")[0] == 0
    assert _run(capsys, "send", "mira", "front view", "--seed", "77", "--json")[0] == 0
    assert _run(capsys, "send", "mira", "make the hoodie blue", "--json")[0] == 0
    code, out, _ = _run(capsys, "send", "mira", "--redo", "1", "--json")
    assert code == 0
    again = json.loads(out)
    _, out, _ = _run(capsys, "show", "mira", "--json")
    first = json.loads(out)["turns"][0]
    assert again["index"] == 3 and again["params"]["seed"] == 77 and again["prompt"] == "front view"
    assert again["prompt_sent"] == first["prompt_sent"]
    assert again["images"][0]["sha256"] == first["images"][0]["sha256"]  # the same bytes


def test_send_redo_refusals(home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "new", "mira")[0] == 0
    code, _, err = _run(capsys, "send", "mira", "x", "--redo", "1")
    assert code == 2 and "--redo 1" in err
    code, _, err = _run(capsys, "send", "mira")
    assert code == 2 and "--redo N" in err
    assert _run(capsys, "add", "mira", str(_png(tmp_path / "e.png", {})))[0] == 0
    code, _, err = _run(capsys, "send", "mira", "--redo", "1")
    assert code == 2 and "added from a file" in err

"""Importing a reference records the tool, prompt and seed that other generators wrote into the file."""

from __future__ import annotations

import io
import json
from pathlib import Path

from consistency_support import ORANGE, cli, png
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from session_tui.engine import Engine, RefInput
from session_tui.media.provenance import (
    Provenance,
    from_a1111,
    from_comfy_prompt,
    read_provenance,
    source_fields,
)

A1111 = (
    "masterpiece, 1girl, orange pigtails, hoodie\nwith a second prompt line\n"
    "Negative prompt: lowres, bad hands\n"
    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 3141592653, Size: 832x1216, "
    "Model hash: 6ce0161689, Model: animagine, Version: v1.10.1"
)

COMFY_PROMPT = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 156680208700286,
            "steps": 20,
            "cfg": 8,
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base.safetensors"}},
    "6": {
        "class_type": "CLIPTextEncode",
        "inputs": {"text": "chibi girl, orange pigtails", "clip": ["4", 1]},
    },
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
}

COMFY_WORKFLOW = {
    "nodes": [
        {"id": 6, "type": "CLIPTextEncode", "widgets_values": ["chibi girl on a beach"]},
        {"id": 7, "type": "CLIPTextEncode", "widgets_values": ["ugly"]},
        {
            "id": 3,
            "type": "KSampler",
            "inputs": [
                {"name": "model", "link": 1},
                {"name": "positive", "link": 4},
                {"name": "negative", "link": 6},
            ],
            "widgets_values": [987654321, "fixed", 20, 8, "euler", "normal", 1],
        },
    ],
    "links": [[4, 6, 0, 3, 1, "CONDITIONING"], [6, 7, 0, 3, 2, "CONDITIONING"]],
}


def data_of(path: Path) -> bytes:
    return path.read_bytes()


def test_stable_diffusion_webui_parameters(tmp_path: Path) -> None:
    found = read_provenance(data_of(png(tmp_path / "a.png", text={"parameters": A1111})))
    assert found == Provenance(
        "Stable Diffusion WebUI v1.10.1",
        "masterpiece, 1girl, orange pigtails, hoodie\nwith a second prompt line",
        3141592653,
    )


def test_forge_and_settings_without_a_negative_prompt() -> None:
    found = from_a1111("a fox\nSteps: 20, Sampler: Euler, Seed: 7, Version: f2.0.1v1.10.1-previous-313")
    assert found == Provenance("Stable Diffusion WebUI Forge f2.0.1v1.10.1-previous-313", "a fox", 7)
    assert from_a1111("just words, no settings") == Provenance(
        "unknown tool (a 'parameters' text)", "just words, no settings", None
    )


def test_webui_parameters_in_jpeg_and_webp_exif_user_comment() -> None:
    for fmt in ("JPEG", "WEBP"):
        img = Image.new("RGB", (32, 32), (200, 10, 10))
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + A1111.encode("utf-16-be")
        out = io.BytesIO()
        img.save(out, format=fmt, exif=exif)
        found = read_provenance(out.getvalue())
        assert (
            found is not None and found.seed == 3141592653 and found.tool.startswith("Stable Diffusion WebUI")
        )


def test_comfyui_prompt_graph(tmp_path: Path) -> None:
    path = png(
        tmp_path / "c.png", text={"prompt": json.dumps(COMFY_PROMPT), "workflow": json.dumps(COMFY_WORKFLOW)}
    )
    assert read_provenance(data_of(path)) == Provenance(
        "ComfyUI", "chibi girl, orange pigtails", 156680208700286
    )


def test_comfyui_seed_and_text_through_links_and_custom_samplers() -> None:
    graph = {
        "10": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["11", 0], "guider": ["12", 0]}},
        "11": {"class_type": "RandomNoise", "inputs": {"noise_seed": ["13", 0]}},
        "12": {"class_type": "CFGGuider", "inputs": {"positive": ["14", 0], "negative": ["15", 0]}},
        "13": {"class_type": "PrimitiveInt", "inputs": {"value": 55}},
        "14": {"class_type": "CLIPTextEncode", "inputs": {"text": ["16", 0]}},
        "15": {"class_type": "CLIPTextEncode", "inputs": {"text": "bad"}},
        "16": {"class_type": "PrimitiveString", "inputs": {"value": "a mascot, front view"}},
    }
    assert from_comfy_prompt(json.dumps(graph)) == Provenance("ComfyUI", "a mascot, front view", 55)


def test_comfyui_workflow_alone(tmp_path: Path) -> None:
    path = png(tmp_path / "w.png", text={"workflow": json.dumps(COMFY_WORKFLOW)})
    assert read_provenance(data_of(path)) == Provenance("ComfyUI", "chibi girl on a beach", 987654321)


def test_novelai_invokeai_and_a_plain_software_tag(tmp_path: Path) -> None:
    nai = png(
        tmp_path / "n.png",
        text={
            "Software": "NovelAI",
            "Description": "1girl",
            "Comment": json.dumps({"prompt": "1girl, orange hair", "seed": 99}),
        },
    )
    assert read_provenance(data_of(nai)) == Provenance("NovelAI", "1girl, orange hair", 99)
    inv = png(
        tmp_path / "i.png",
        text={
            "invokeai_metadata": json.dumps({"positive_prompt": "a fox", "seed": 12, "app_version": "5.0.0"})
        },
    )
    assert read_provenance(data_of(inv)) == Provenance("InvokeAI 5.0.0", "a fox", 12)
    assert read_provenance(data_of(png(tmp_path / "g.png", text={"Software": "GIMP 2.10"}))) == Provenance(
        "GIMP 2.10"
    )
    assert read_provenance(data_of(png(tmp_path / "plain.png"))) is None
    assert source_fields(data_of(png(tmp_path / "plain2.png"))) == {}


def test_damaged_metadata_falls_through_and_never_fails(tmp_path: Path) -> None:
    broken = png(
        tmp_path / "b.png",
        text={"prompt": "{not json", "workflow": "[]", "session-tui": "nope", "parameters": A1111},
    )
    assert read_provenance(data_of(broken)).seed == 3141592653  # type: ignore[union-attr]
    other_json = png(tmp_path / "o.png", text={"prompt": json.dumps({"colour": "red"})})
    assert read_provenance(data_of(other_json)) is None
    assert read_provenance(b"not an image at all") is None


def test_a_very_long_prompt_is_kept_short(tmp_path: Path) -> None:
    fields = source_fields(
        data_of(png(tmp_path / "l.png", text={"parameters": "x" * 10_000 + "\nSteps: 1, Seed: 1"}))
    )
    assert len(fields["source_prompt"]) == 4000


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_parameters_text_parses_without_raising(text: str) -> None:
    found = from_a1111(text)
    assert found is None or isinstance(found.tool, str)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=20,
    )
)
def test_any_json_in_a_comfy_chunk_is_survived(doc: object) -> None:
    """read_provenance catches only these; anything else escaping a reader would fail an import."""
    from session_tui.media.provenance import from_comfy_workflow, from_invokeai, from_session_tui

    for reader in (from_comfy_prompt, from_comfy_workflow, from_session_tui, from_invokeai):
        try:
            found = reader(json.dumps(doc))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            continue
        assert found is None or isinstance(found, Provenance)


def test_adding_a_reference_through_the_engine_records_its_provenance(engine: Engine, tmp_path: Path) -> None:
    ref = png(tmp_path / "proto.png", text={"parameters": A1111})
    engine.new_session("s", refs=[RefInput(ref, "proto", "front")])
    r = engine.load("s").header.references[0]
    assert (r.source_tool, r.source_seed) == ("Stable Diffusion WebUI v1.10.1", 3141592653)
    assert r.source_prompt and r.source_prompt.startswith("masterpiece")
    doc = json.loads(cli("show", "s", "--json").out)["references"][0]
    assert doc["source_tool"] == "Stable Diffusion WebUI v1.10.1" and doc["source_seed"] == 3141592653
    assert "(from Stable Diffusion WebUI v1.10.1, seed 3141592653)" in cli("show", "s").out
    engine.add_references(
        "s", [RefInput(png(tmp_path / "comfy.png", text={"prompt": json.dumps(COMFY_PROMPT)}))]
    )
    assert engine.load("s").header.references[1].source_tool == "ComfyUI"


def test_a_session_tui_export_imported_as_a_reference_keeps_its_prompt_and_seed(
    engine: Engine, tmp_path: Path
) -> None:
    engine.new_session("s", character=ORANGE)
    turn = engine.send("s", "on the beach", seed=1234)
    engine.approve("s", label="beach")
    assert cli("export", "s", "--out", str(tmp_path / "out")).code == 0
    exported = next((tmp_path / "out").glob("s_cp1_*.png"))
    engine.new_session("t", refs=[RefInput(exported)])
    r = engine.load("t").header.references[0]
    assert r.source_tool == "session-tui (offline-renderer)"
    assert r.source_prompt == turn.prompt_sent and r.source_seed == 1234


def test_refs_list_shows_the_provenance(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("s")
    run = cli("refs", "add", "s", str(png(tmp_path / "a.png", text={"parameters": A1111})), "--role", "front")
    assert run.code == 0, run.err
    assert (
        "(from Stable Diffusion WebUI v1.10.1, seed 3141592653)" in run.out
        and "prompt: masterpiece" in run.out
    )

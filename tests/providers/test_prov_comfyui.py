"""Kind comfyui against a loopback stand-in of ComfyUI's HTTP API (nothing leaves 127.0.0.1)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeservice import make_engine, write_profile
from sd_fakes import CHECKPOINT, FakeComfy, draw

from session_tui.errors import Cancelled, ConfigError, ProviderError
from session_tui.paths import Home
from session_tui.providers.comfy_graph import Drive, drive, template


@pytest.fixture
def comfy() -> Iterator[FakeComfy]:
    fake = FakeComfy().start()
    yield fake
    fake.stop()


def _profile(home: Home, url: str, **extra: object) -> None:
    write_profile(home.root, "comfy", kind="comfyui", model=CHECKPOINT, base_url=url, timeout_s=5, **extra)


def _sampler(graph: dict) -> dict:
    return next(n["inputs"] for n in graph.values() if n["class_type"] == "KSampler")


def test_seeded_two_turns_txt2img_then_img2img_from_turn_one(home: Home, comfy: FakeComfy) -> None:
    _profile(home, comfy.url, steps=12, cfg=5.5, negative_prompt="blurry")
    engine = make_engine(home)
    engine.new_session("proto", provider="comfy")
    t1 = engine.send("proto", "front view", prompt_sent="front view", seed=1234, aspect_ratio="16:9")
    first = comfy.prompts()[0]
    ks = _sampler(first)
    assert ks["seed"] == 1234 and ks["steps"] == 12 and ks["cfg"] == 5.5
    latent = first[ks["latent_image"][0]]
    assert latent["class_type"] == "EmptyLatentImage"
    assert (latent["inputs"]["width"], latent["inputs"]["height"]) == (1344, 768)
    assert first[ks["positive"][0]]["inputs"]["text"] == "front view"
    assert first[ks["negative"][0]]["inputs"]["text"] == "blurry"
    assert first[ks["model"][0]]["inputs"]["ckpt_name"] == CHECKPOINT
    assert comfy.seen("POST", "/prompt")[0].json["client_id"]
    assert t1.status == "ok" and t1.seed_honoured and t1.provider_state["seed_used"] == 1234
    assert t1.request.width == 1344 and t1.request.mode == "txt2img"
    turn1_bytes = engine.read_image("proto", t1.images[0])
    assert turn1_bytes == draw("front view", 1234, 1344, 768)

    t2 = engine.send("proto", "side view", prompt_sent="side view")
    uploaded = list(comfy.uploads.values())
    assert uploaded == [turn1_bytes]  # turn 2 starts from turn 1's picture
    second = comfy.prompts()[1]
    ks2 = _sampler(second)
    encode = second[ks2["latent_image"][0]]
    assert encode["class_type"] == "VAEEncode"
    assert second[encode["inputs"]["pixels"][0]]["inputs"]["image"] in comfy.uploads
    assert ks2["denoise"] == 0.55
    assert t2.provider_state["seed_used"] == ks2["seed"]  # the seed the app picked is recorded
    assert t2.request.mode == "img2img"


def test_same_seed_same_bytes_and_redo(home: Home, comfy: FakeComfy) -> None:
    _profile(home, comfy.url)
    engine = make_engine(home)
    engine.new_session("a", provider="comfy")
    t1 = engine.send("a", "front view", prompt_sent="front view")  # the app picks the seed
    engine.send("a", "side view", prompt_sent="side view")
    again = engine.redo("a", 1)
    assert again.index == 3 and again.params.seed == t1.provider_state["seed_used"]
    assert again.request.mode == "txt2img"  # the turns before turn 1: none, as then
    assert engine.read_image("a", again.images[0]) == engine.read_image("a", t1.images[0])


def test_first_turn_reference_goes_in_as_img2img(home: Home, comfy: FakeComfy, ref_png: Path) -> None:
    from session_tui.engine import RefInput

    _profile(home, comfy.url)
    engine = make_engine(home)
    engine.new_session("r", provider="comfy", refs=[RefInput(ref_png)])
    turn = engine.send("r", "front view", seed=7)
    assert list(comfy.uploads.values()) == [ref_png.read_bytes()]
    assert turn.request.mode == "img2img" and "from reference" in turn.reply_text


def test_user_workflow_is_followed_from_the_sampler(home: Home, tmp_path: Path) -> None:
    graph = {
        "10": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "old.safetensors"}},
        "11": {
            "class_type": "LoraLoader",
            "inputs": {"model": ["10", 0], "clip": ["10", 1], "lora_name": "x"},
        },
        "20": {"class_type": "CLIPTextEncode", "inputs": {"text": "old positive", "clip": ["11", 1]}},
        "21": {"class_type": "CLIPTextEncode", "inputs": {"text": "old negative", "clip": ["11", 1]}},
        "22": {
            "class_type": "ControlNetApplyAdvanced",
            "inputs": {"positive": ["20", 0], "negative": ["21", 0]},
        },
        "30": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
        "40": {
            "class_type": "KSampler",
            "inputs": {
                "seed": 1,
                "steps": 30,
                "cfg": 8,
                "sampler_name": "dpmpp_2m",
                "scheduler": "karras",
                "denoise": 1,
                "model": ["11", 0],
                "positive": ["22", 0],
                "negative": ["22", 1],
                "latent_image": ["30", 0],
            },
        },
        "50": {"class_type": "VAEDecode", "inputs": {"samples": ["40", 0], "vae": ["10", 2]}},
        "60": {"class_type": "SaveImage", "inputs": {"images": ["50", 0], "filename_prefix": "x"}},
    }
    out, notes = drive(graph, Drive("new prompt", "new negative", 99, 1024, 1024, CHECKPOINT))
    assert out["20"]["inputs"]["text"] == "new prompt" and out["21"]["inputs"]["text"] == "new negative"
    assert out["10"]["inputs"]["ckpt_name"] == CHECKPOINT and out["40"]["inputs"]["seed"] == 99
    assert out["40"]["inputs"]["scheduler"] == "karras" and out["40"]["inputs"]["steps"] == 30  # kept
    assert out["30"]["inputs"]["width"] == 1024 and not notes
    assert graph["20"]["inputs"]["text"] == "old positive"  # the file's graph is not changed


def test_placeholders_override(home: Home) -> None:
    graph = template()
    graph["6"]["inputs"]["text"] = "%prompt%"
    graph["7"]["inputs"]["text"] = "%negative%"
    out, _ = drive(graph, Drive("hello", "ugly", 5, 1024, 1024, CHECKPOINT))
    assert out["6"]["inputs"]["text"] == "hello" and out["7"]["inputs"]["text"] == "ugly"


def test_graph_without_sampler_is_a_failed_turn_that_says_so(
    home: Home, comfy: FakeComfy, tmp_path: Path
) -> None:
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps({"1": {"class_type": "LoadImage", "inputs": {"image": "a.png"}}}))
    _profile(home, comfy.url, workflow=str(wf))
    engine = make_engine(home)
    engine.new_session("w", provider="comfy")
    with pytest.raises(ConfigError, match="no sampler node"):
        engine.send("w", "front view")
    turn = engine.load("w").turns[-1]
    assert turn.status == "failed" and turn.prompt == "front view" and "sampler" in (turn.error or "")
    assert not comfy.seen("POST", "/prompt")


def test_editor_format_workflow_is_refused(tmp_path: Path) -> None:
    from session_tui.providers.comfy_graph import load_workflow

    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps({"nodes": [], "links": []}))
    with pytest.raises(ConfigError, match="Export \\(API\\)"):
        load_workflow(str(wf))


def test_node_errors_name_the_node(home: Home, comfy: FakeComfy) -> None:
    comfy.prompt_error = (
        400,
        {
            "error": {
                "type": "prompt_outputs_failed_validation",
                "message": "Prompt outputs failed validation",
                "details": "",
                "extra_info": {},
            },
            "node_errors": {
                "4": {
                    "errors": [
                        {
                            "type": "value_not_in_list",
                            "message": "Value not in list",
                            "details": "ckpt_name: 'x.safetensors' not in [...]",
                            "extra_info": {"input_name": "ckpt_name"},
                        }
                    ],
                    "dependent_outputs": ["9"],
                    "class_type": "CheckpointLoaderSimple",
                }
            },
        },
    )
    _profile(home, comfy.url)
    engine = make_engine(home)
    engine.new_session("e", provider="comfy")
    with pytest.raises(ProviderError, match=r"node 4 \(CheckpointLoaderSimple\): Value not in list"):
        engine.send("e", "front view")
    turn = engine.load("e").turns[-1]
    assert turn.status == "failed" and turn.prompt == "front view"


def test_execution_error_is_one_sentence(home: Home, comfy: FakeComfy) -> None:
    comfy.run_error = {
        "prompt_id": "x",
        "node_id": "3",
        "node_type": "KSampler",
        "exception_message": "CUDA out of memory",
        "exception_type": "RuntimeError",
    }
    _profile(home, comfy.url)
    engine = make_engine(home)
    engine.new_session("e", provider="comfy")
    with pytest.raises(ProviderError, match=r"node 3 \(KSampler\): CUDA out of memory"):
        engine.send("e", "front view")


def test_server_down(home: Home) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _profile(home, f"http://127.0.0.1:{port}")
    engine = make_engine(home)
    engine.new_session("d", provider="comfy")
    with pytest.raises(ProviderError, match=r"Could not reach .*connection was refused"):
        engine.send("d", "front view")
    assert engine.load("d").turns[-1].status == "failed"


def test_output_never_appearing_times_out(home: Home, comfy: FakeComfy) -> None:
    comfy.never_finish = True
    _profile(home, comfy.url)
    (home.root / "config.toml").write_text(
        (home.root / "config.toml").read_text().replace("timeout_s = 5", "timeout_s = 0.6")
    )
    engine = make_engine(home)
    engine.new_session("t", provider="comfy")
    with pytest.raises(ProviderError, match=r"did not finish prompt .* within 0.6 s"):
        engine.send("t", "front view")
    turn = engine.load("t").turns[-1]
    assert turn.status == "failed" and turn.prompt == "front view"


def test_cancel_interrupts_the_job(home: Home, comfy: FakeComfy) -> None:
    comfy.never_finish = True
    _profile(home, comfy.url)
    engine = make_engine(home)
    engine.new_session("c", provider="comfy")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(Cancelled):
        engine.send("c", "front view", cancel=cancel)
    prompt_id = next(iter(comfy.history))
    interrupts = comfy.seen("POST", "/interrupt")
    assert interrupts and interrupts[0].json == {"prompt_id": prompt_id}
    assert engine.load("c").turns[-1].status == "cancelled"


def test_check_reads_object_info(home: Home, comfy: FakeComfy) -> None:
    from session_tui.config import load_config
    from session_tui.providers.registry import provider_for

    _profile(home, comfy.url)
    assert "is installed" in provider_for(load_config(home), "comfy", home).check()
    assert comfy.seen("GET", "/object_info/CheckpointLoaderSimple")
    write_profile(home.root, "comfy", kind="comfyui", model="missing.safetensors", base_url=comfy.url)
    with pytest.raises(ProviderError, match="not among the 2"):
        provider_for(load_config(home), "comfy", home).check()


def test_reset_from_comfyui_into_gemini_sends_the_promoted_picture(
    home: Home, comfy: FakeComfy, key_env: str
) -> None:
    import base64

    from fakeservice import KEY_ENV, FakeService, Reply, b64

    gemini = FakeService()
    gemini.start()
    try:
        (home.root / "config.toml").write_text(
            'default_provider = "comfy"\n\n'
            f'[providers.comfy]\nkind = "comfyui"\nmodel = "{CHECKPOINT}"\nbase_url = "{comfy.url}"\n\n'
            f'[providers.nbp]\nkind = "gemini"\nmodel = "gemini-3-pro-image"\nbase_url = "{gemini.url}"\n'
            f'api_key_env = "{KEY_ENV}"\nmax_retries = 0\n'
        )
        engine = make_engine(home)
        engine.new_session("proto", provider="comfy")
        t1 = engine.send("proto", "front view", seed=5)
        cp = engine.approve("proto", turn=t1.index, label="front")
        picture = engine.read_image("proto", cp.image)
        session = engine.reset("proto", checkpoint="front", into="scenes", provider="nbp")  # type: ignore[call-arg]
        assert session.header.kind == "gemini" and session.header.parent is not None
        answer = {
            "candidates": [
                {
                    "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": b64(picture)}}]},
                    "finishReason": "STOP",
                }
            ]
        }
        gemini.queue(Reply(body=answer))
        engine.send("scenes", "in a cafe")
        body = gemini.posts()[0].json
        inline = [p["inline_data"]["data"] for p in body["contents"][0]["parts"] if "inline_data" in p]
        assert base64.b64decode(inline[0]) == picture
    finally:
        gemini.stop()

"""Kind sdwebui against a loopback stand-in of the AUTOMATIC1111 / Forge API (nothing leaves 127.0.0.1)."""

from __future__ import annotations

import base64
import re
import socket
import threading
from collections.abc import Iterator

import pytest
from fakeservice import make_engine, write_profile
from sd_fakes import CHECKPOINT, FakeWebUI, draw

from session_tui.errors import Cancelled, ProviderError
from session_tui.paths import Home


@pytest.fixture
def webui() -> Iterator[FakeWebUI]:
    fake = FakeWebUI().start()
    yield fake
    fake.stop()


def _profile(home: Home, url: str, **extra: object) -> None:
    write_profile(home.root, "a1111", kind="sdwebui", model=CHECKPOINT, base_url=url, timeout_s=5, **extra)


def test_seeded_two_turns_txt2img_then_img2img_from_turn_one(home: Home, webui: FakeWebUI) -> None:
    _profile(home, webui.url, steps=25, cfg=6.0, sampler="DPM++ 2M", negative_prompt="blurry", denoise=0.4)
    engine = make_engine(home)
    engine.new_session("proto", provider="a1111")
    t1 = engine.send("proto", "front view", prompt_sent="front view", seed=42)
    path, body = webui.bodies()[0]
    assert path == "/sdapi/v1/txt2img"
    assert body["seed"] == 42 and (body["width"], body["height"]) == (1024, 1024)
    assert body["override_settings"] == {"sd_model_checkpoint": CHECKPOINT}
    assert body["steps"] == 25 and body["cfg_scale"] == 6.0 and body["sampler_name"] == "DPM++ 2M"
    assert body["negative_prompt"] == "blurry" and "init_images" not in body
    assert t1.seed_honoured and t1.provider_state["seed_used"] == 42
    first = engine.read_image("proto", t1.images[0])
    assert first == draw("front view", 42, 1024, 1024)

    t2 = engine.send("proto", "side view", prompt_sent="side view", aspect_ratio="16:9")
    path, body = webui.bodies()[1]
    assert path == "/sdapi/v1/img2img"
    assert base64.b64decode(body["init_images"][0]) == first  # turn 2 is img2img from turn 1
    assert body["denoising_strength"] == 0.4
    assert (body["width"], body["height"]) == (1344, 768)
    assert t2.provider_state["seed_used"] == body["seed"]


def test_same_seed_same_bytes_and_redo(home: Home, webui: FakeWebUI) -> None:
    _profile(home, webui.url)
    engine = make_engine(home)
    engine.new_session("a", provider="a1111")
    t1 = engine.send("a", "front view", prompt_sent="front view")
    again = engine.redo("a", 1)
    assert again.params.seed == t1.provider_state["seed_used"]
    assert engine.read_image("a", again.images[0]) == engine.read_image("a", t1.images[0])
    assert webui.bodies()[1][0] == "/sdapi/v1/txt2img"


def test_422_detail_is_one_sentence(home: Home, webui: FakeWebUI) -> None:
    webui.error = (
        422,
        {
            "detail": [
                {
                    "loc": ["body", "steps"],
                    "msg": "value is not a valid integer",
                    "type": "type_error.integer",
                }
            ]
        },
    )
    _profile(home, webui.url)
    engine = make_engine(home)
    engine.new_session("e", provider="a1111")
    with pytest.raises(ProviderError, match=r"\(422\): steps: value is not a valid integer"):
        engine.send("e", "front view")
    turn = engine.load("e").turns[-1]
    assert turn.status == "failed" and turn.prompt == "front view"


def test_other_error_body(home: Home, webui: FakeWebUI) -> None:
    webui.error = (404, {"error": "HTTPException", "detail": "Model not found", "body": "", "errors": ""})
    _profile(home, webui.url)
    engine = make_engine(home)
    engine.new_session("e", provider="a1111")
    with pytest.raises(ProviderError, match="Model not found"):
        engine.send("e", "front view")


def test_server_down(home: Home) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _profile(home, f"http://127.0.0.1:{port}")
    engine = make_engine(home)
    engine.new_session("d", provider="a1111")
    with pytest.raises(ProviderError, match="Could not reach"):
        engine.send("d", "front view")
    assert engine.load("d").turns[-1].status == "failed"


def test_timeout(home: Home, webui: FakeWebUI) -> None:
    webui.hang = True
    write_profile(home.root, "a1111", kind="sdwebui", model=CHECKPOINT, base_url=webui.url, timeout_s=0.5)
    engine = make_engine(home)
    engine.new_session("t", provider="a1111")
    with pytest.raises(ProviderError, match=re.escape("did not answer within 0.5 s")):
        engine.send("t", "front view")
    assert engine.load("t").turns[-1].status == "failed"


def test_cancel_interrupts(home: Home, webui: FakeWebUI) -> None:
    webui.hang = True
    _profile(home, webui.url)
    engine = make_engine(home)
    engine.new_session("c", provider="a1111")
    cancel = threading.Event()
    threading.Timer(0.4, cancel.set).start()
    with pytest.raises(Cancelled):
        engine.send("c", "front view", cancel=cancel)
    assert webui.seen("POST", "/sdapi/v1/interrupt")
    assert engine.load("c").turns[-1].status == "cancelled"


def test_check_lists_models(home: Home, webui: FakeWebUI) -> None:
    from session_tui.config import load_config
    from session_tui.providers.registry import provider_for

    _profile(home, webui.url)
    assert "is installed" in provider_for(load_config(home), "a1111", home).check()
    write_profile(home.root, "a1111", kind="sdwebui", model="nope.safetensors", base_url=webui.url)
    with pytest.raises(ProviderError, match="not among the 1"):
        provider_for(load_config(home), "a1111", home).check()


def test_readme_seeded_profiles_parse_and_build(home: Home) -> None:
    import tomllib
    from pathlib import Path

    from session_tui.config import parse_config
    from session_tui.providers.registry import create_provider

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = (
        text.split("## The 95% route: seeded prototypes", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    )
    config = parse_config(tomllib.loads(block), "README.md")
    assert {p.kind for p in config.providers.values()} == {"comfyui", "sdwebui"}
    for name, profile in config.providers.items():
        assert create_provider(name, profile, home).capabilities().seed_honoured

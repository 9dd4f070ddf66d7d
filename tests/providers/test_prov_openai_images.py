"""Kind openai-images: generate first, edit after (last image plus references); Gemini's compat endpoint."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fakeservice import KEY_ENV, FakeService, Reply, b64, make_engine, png, write_profile

from session_tui.engine import RefInput
from session_tui.errors import InvalidInput, ProviderError
from session_tui.paths import Home

IMG1 = png((255, 0, 0))
IMG2 = png((0, 255, 0))


def images_answer(image: bytes) -> dict[str, object]:
    return {
        "created": 1,
        "data": [{"b64_json": b64(image)}],
        "output_format": "png",
        "usage": {
            "input_tokens": 50,
            "output_tokens": 4000,
            "total_tokens": 4050,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 50},
        },
    }


@pytest.fixture
def gpt_home(home: Home, service: FakeService, key_env: str) -> Home:
    write_profile(
        home.root,
        "gpt",
        kind="openai-images",
        base_url=f"{service.url}/v1",
        model="gpt-image-1.5",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    return home


def test_generate_then_edit_with_the_last_image_and_references(gpt_home: Home, service: FakeService) -> None:
    service.queue(Reply(body=images_answer(IMG1)), Reply(body=images_answer(IMG2)))
    engine = make_engine(gpt_home)
    engine.new_session("i")
    engine.set_params("i", aspect_ratio="3:2")
    first = engine.send("i", "a fox mascot")
    ref = gpt_home.root.parent / "side.png"
    ref.write_bytes(png((1, 2, 3), (20, 20)))
    second = engine.send("i", "make the scarf blue", refs=[RefInput(ref, "side")])
    req1, req2 = service.posts()
    assert req1.path == "/v1/images/generations"
    assert req1.json["size"] == "1536x1024" and req1.json["model"] == "gpt-image-1.5"
    assert "response_format" not in req1.json and "seed" not in req1.json
    assert first.request.endpoint == "images.generate"
    assert req2.path == "/v1/images/edits"
    form = req2.form()
    sent = [content for _, _, content in form["image[]"]]
    assert sent == [IMG1, ref.read_bytes()]  # the image being edited first, then the reference
    assert form["prompt"][0][2].decode() == second.prompt_sent
    assert second.provider_state["endpoint"] == "images.edit"
    assert second.images[0].sha256 == hashlib.sha256(IMG2).hexdigest()


def test_gpt_image_refuses_ratios_it_has_no_size_for(gpt_home: Home, service: FakeService) -> None:
    engine = make_engine(gpt_home)
    engine.new_session("i")
    with pytest.raises(InvalidInput, match="aspect ratio 16:9"):
        engine.set_params("i", aspect_ratio="16:9")
    assert service.requests == []


def test_moderation_blocked_is_a_safety_failure(gpt_home: Home, service: FakeService) -> None:
    service.queue(
        Reply(
            400,
            {
                "error": {
                    "message": "Your request was rejected by the safety system.",
                    "type": "image_generation_user_error",
                    "code": "moderation_blocked",
                }
            },
        )
    )
    engine = make_engine(gpt_home)
    engine.new_session("i")
    with pytest.raises(ProviderError, match=r"safety reasons \(moderation_blocked\)"):
        engine.send("i", "something")
    assert engine.load("i").turns[0].status == "failed"


@pytest.fixture
def compat_home(home: Home, service: FakeService, key_env: str) -> Home:
    write_profile(
        home.root,
        "gcompat",
        kind="openai-images",
        base_url=f"{service.url}/v1beta/openai",
        model="gemini-3-pro-image",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    return home


def test_gemini_compat_generates_and_refuses_to_edit(compat_home: Home, service: FakeService) -> None:
    service.queue(Reply(body=images_answer(IMG1)))
    engine = make_engine(compat_home)
    engine.new_session("g")
    engine.send("g", "a fox", aspect_ratio="16:9")
    body = service.posts()[0].json
    assert body["response_format"] == "b64_json"
    assert body["extra_body"]["google"]["image_config"]["aspect_ratio"] == "16:9"
    with pytest.raises(ProviderError, match="only generates images from text"):
        engine.send("g", "make the scarf blue")
    assert len(service.posts()) == 1  # the edit was refused before anything was sent
    turns = engine.load("g").turns
    assert turns[1].status == "failed" and turns[1].prompt == "make the scarf blue"


def test_gemini_compat_list_wrapped_error(compat_home: Home, service: FakeService) -> None:
    service.queue(
        Reply(
            400,
            [
                {
                    "error": {
                        "code": 400,
                        "message": "Image generation is not enabled for this key.",
                        "status": "INVALID_ARGUMENT",
                    }
                }
            ],
        )
    )
    engine = make_engine(compat_home)
    engine.new_session("g")
    with pytest.raises(ProviderError) as info:
        engine.send("g", "a fox")
    assert "INVALID_ARGUMENT" in info.value.message
    assert "Image generation is not enabled for this key" in info.value.message


def test_references_over_the_limit_are_refused_before_sending(
    home: Home, service: FakeService, key_env: str, tmp_path: Path
) -> None:
    write_profile(
        home.root,
        "gcompat",
        kind="openai-images",
        base_url=f"{service.url}/v1beta/openai",
        model="gemini-3-pro-image",
        api_key_env=KEY_ENV,
    )
    ref = tmp_path / "r.png"
    ref.write_bytes(png())
    with pytest.raises(InvalidInput, match="the limit is 0"):
        make_engine(home).new_session("g", refs=[RefInput(ref)])
    assert service.requests == []

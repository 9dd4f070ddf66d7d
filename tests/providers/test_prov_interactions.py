"""Kind gemini-interactions: Gemini's Interactions API against a local server (issue 13)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, Reply, all_text, b64, make_engine, png, write_profile

from session_tui.engine import RefInput
from session_tui.errors import ProviderError
from session_tui.paths import Home

IMG1 = png((250, 10, 10), (40, 30))
IMG2 = png((10, 10, 250), (40, 30))


def interaction(iid: str, image: bytes | None, text: str = "Here she is.", **extra: Any) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if image is not None:
        content.append({"type": "image", "data": b64(image), "mime_type": "image/png"})
    return {
        "id": iid,
        "status": "completed",
        "model": "gemini-3-pro-image",
        "created": "2026-07-01T10:00:00Z",
        "updated": "2026-07-01T10:00:09Z",
        "usage": {"total_input_tokens": 300, "total_output_tokens": 1290, "total_tokens": 1590},
        "steps": [
            {"type": "thought", "signature": f"sig-{iid}", "summary": [{"type": "text", "text": "Posing…"}]},
            {"type": "model_output", "content": content},
        ],
        **extra,
    }


@pytest.fixture
def gi_home(home: Home, service: FakeService, key_env: str) -> Home:
    write_profile(
        home.root,
        "nbi",
        kind="gemini-interactions",
        base_url=service.url,
        model="gemini-3-pro-image",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    return home


def test_two_turns_continue_the_interaction(gi_home: Home, service: FakeService, ref_png: Path) -> None:
    service.queue(
        Reply(body=interaction("v1_first", IMG1)), Reply(body=interaction("v1_second", IMG2, text=""))
    )
    make_engine(gi_home).new_session("g", refs=[RefInput(ref_png, "front")])
    first = make_engine(gi_home).send("g", "on the beach", aspect_ratio="16:9", image_size="2K")
    second = make_engine(gi_home).send("g", "make the scarf blue")  # a new engine: the id comes from disk

    req1, req2 = service.posts()
    assert req1.path == req2.path == "/v1beta/interactions"
    assert req1.headers["x-goog-api-key"] == KEY and "authorization" not in req1.headers
    assert req1.headers["api-revision"] == "2026-05-20"
    body1 = req1.json
    assert body1["model"] == "gemini-3-pro-image" and body1["store"] is True
    assert body1["input"] == [
        {"type": "text", "text": first.prompt_sent},
        {"type": "image", "data": b64(ref_png.read_bytes()), "mime_type": "image/png"},
    ]
    assert body1["response_format"] == {"type": "image", "aspect_ratio": "16:9", "image_size": "2K"}
    assert "generation_config" not in body1 and "previous_interaction_id" not in body1

    assert first.images[0].sha256 == hashlib.sha256(IMG1).hexdigest()
    assert first.reply_text == "Here she is."
    assert first.provider_state["interaction_id"] == "v1_first"
    assert first.usage.total_tokens == 1590
    # the second request sends only the new prompt and continues the stored interaction
    body2 = req2.json
    assert body2["previous_interaction_id"] == "v1_first" and body2["store"] is True
    assert body2["input"] == [{"type": "text", "text": second.prompt_sent}]
    assert second.images[0].sha256 == hashlib.sha256(IMG2).hexdigest()
    assert second.provider_state["interaction_id"] == "v1_second"
    assert second.request.previous_interaction_id == "v1_first"
    assert KEY not in all_text(gi_home.root)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, {"error": {"code": "not_found", "message": "Interaction v1_first was not found."}}),
        (
            403,
            {
                "error": {
                    "code": "permission_denied",
                    "message": "The interaction belongs to another project.",
                }
            },
        ),
    ],
)
def test_a_refused_interaction_sends_the_newest_image_instead(
    gi_home: Home, service: FakeService, status: int, error: dict[str, Any]
) -> None:
    service.queue(
        Reply(body=interaction("v1_first", IMG1)),
        Reply(status, error),
        Reply(body=interaction("v1_third", IMG2)),
    )
    engine = make_engine(gi_home)
    engine.new_session("g")
    engine.send("g", "a fox")
    second = engine.send("g", "make the scarf blue")
    retried = service.posts()[2].json
    assert "previous_interaction_id" not in retried
    assert retried["input"][1] == {"type": "image", "data": b64(IMG1), "mime_type": "image/png"}
    assert second.status == "ok" and second.provider_state["interaction_id"] == "v1_third"
    assert "was refused" in second.request.notice
    assert second.reply_text.startswith("The earlier interaction (v1_first) was refused")


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        (
            interaction(
                "v1_x",
                None,
                text="",
                status="failed",
                errors=[{"code": "internal", "message": "Backend failed."}],
            ),
            "reported an error (internal): Backend failed",
        ),
        (
            {
                "id": "v1_y",
                "status": "failed",
                "steps": [
                    {
                        "type": "model_output",
                        "error": {
                            "code": 3,
                            "message": "Image generation was blocked.",
                            "details": [{"reason": "IMAGE_SAFETY"}],
                        },
                    }
                ],
            },
            "blocked the request for safety reasons (IMAGE_SAFETY)",
        ),
        (
            interaction("v1_z", None, text="", status="incomplete"),
            "stopped before making an image (incomplete)",
        ),
        (interaction("v1_w", None, text="", status="in_progress"), "before the interaction had finished"),
        (interaction("v1_v", None, text="Which scarf?"), "text but no image"),
    ],
)
def test_failures_in_the_interaction(
    gi_home: Home, service: FakeService, doc: dict[str, Any], needle: str
) -> None:
    service.queue(Reply(body=doc))
    engine = make_engine(gi_home)
    engine.new_session("g")
    with pytest.raises(ProviderError) as info:
        engine.send("g", "a fox")
    assert needle in info.value.message
    turn = engine.load("g").turns[0]
    assert turn.status == "failed" and turn.prompt == "a fox" and info.value.exit_code == 4


def test_http_errors_read_like_every_other_kind(gi_home: Home, service: FakeService) -> None:
    service.queue(
        Reply(
            400, {"error": {"code": "invalid_argument", "message": "image_size must be one of 1K, 2K, 4K."}}
        )
    )
    engine = make_engine(gi_home)
    engine.new_session("g")
    with pytest.raises(ProviderError) as info:
        engine.send("g", "a fox")
    assert info.value.message == (
        "nbi (127.0.0.1) rejected the request (400, invalid_argument): image_size must be one of 1K, 2K, 4K."
    )


def test_the_retired_outputs_shape_still_yields_the_picture(gi_home: Home, service: FakeService) -> None:
    doc = {
        "id": "v1_old",
        "status": "completed",
        "outputs": [{"type": "image", "data": b64(IMG1), "mime_type": "image/png"}],
    }
    service.queue(Reply(body=doc))
    engine = make_engine(gi_home)
    engine.new_session("g")
    assert engine.send("g", "a fox").images[0].sha256 == hashlib.sha256(IMG1).hexdigest()


def test_check_looks_the_model_up(gi_home: Home, service: FakeService) -> None:
    service.routes["/v1beta/models/gemini-3-pro-image"] = Reply(
        body={"name": "models/gemini-3-pro-image", "displayName": "Nano Banana Pro"}
    )
    sentence = make_engine(gi_home).provider("nbi").check()
    assert "model 'gemini-3-pro-image' (Nano Banana Pro) is available" in sentence
    assert service.requests[-1].headers["x-goog-api-key"] == KEY

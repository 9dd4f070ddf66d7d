"""Kind openai-responses: the image_generation tool, previous_response_id, and the expired-thread fallback."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fakeservice import KEY_ENV, FakeService, Reply, b64, make_engine, png, write_profile

from session_tui.engine import RefInput
from session_tui.errors import ProviderError
from session_tui.paths import Home

IMG1 = png((255, 0, 0))
IMG2 = png((0, 255, 0))


def response(rid: str, image: bytes | None, text: str = "", **extra: Any) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if image is not None:
        output.append(
            {"type": "image_generation_call", "id": f"ig_{rid}", "status": "completed", "result": b64(image)}
        )
    if text:
        output.append(
            {
                "type": "message",
                "id": f"msg_{rid}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        )
    return {
        "id": rid,
        "object": "response",
        "created_at": 1,
        "status": "completed",
        "model": "gpt-5",
        "output": output,
        "usage": {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30},
        **extra,
    }


@pytest.fixture
def responses_home(home: Home, service: FakeService, key_env: str) -> Home:
    write_profile(
        home.root,
        "resp",
        kind="openai-responses",
        base_url=f"{service.url}/v1",
        model="gpt-5",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    return home


def test_second_turn_continues_the_thread(responses_home: Home, service: FakeService, ref_png: Path) -> None:
    service.queue(Reply(body=response("resp_1", IMG1, "Here.")), Reply(body=response("resp_2", IMG2)))
    make_engine(responses_home).new_session("r", refs=[RefInput(ref_png)])
    first = make_engine(responses_home).send("r", "a fox")
    # a fresh engine, as after a restart: the id comes back from the stored turn
    second = make_engine(responses_home).send("r", "make the scarf blue")
    req1, req2 = service.posts()
    assert req1.path == "/v1/responses"
    body1 = req1.json
    assert body1["tools"] == [{"type": "image_generation", "size": "1024x1024"}]
    assert body1["tool_choice"] == {"type": "image_generation"}
    assert (
        body1["input"][0]["content"][1]["image_url"] == f"data:image/png;base64,{b64(ref_png.read_bytes())}"
    )
    assert "previous_response_id" not in body1
    assert first.provider_state["response_id"] == "resp_1" and first.reply_text == "Here."
    body2 = req2.json
    assert body2["previous_response_id"] == "resp_1"
    assert body2["input"] == [
        {"role": "user", "content": [{"type": "input_text", "text": second.prompt_sent}]}
    ]
    assert second.images[0].sha256 == hashlib.sha256(IMG2).hexdigest()


def test_expired_thread_falls_back_to_sending_the_last_image(
    responses_home: Home, service: FakeService
) -> None:
    service.queue(
        Reply(body=response("resp_1", IMG1)),
        Reply(
            400,
            {
                "error": {
                    "message": "Previous response with id 'resp_1' not found.",
                    "type": "invalid_request_error",
                    "param": "previous_response_id",
                    "code": None,
                }
            },
        ),
        Reply(body=response("resp_3", IMG2)),
    )
    engine = make_engine(responses_home)
    engine.new_session("r")
    engine.send("r", "a fox")
    second = engine.send("r", "make the scarf blue")
    retried = service.posts()[2].json
    assert "previous_response_id" not in retried
    assert retried["input"][0]["content"][1]["image_url"] == f"data:image/png;base64,{b64(IMG1)}"
    assert "refused" in second.request.notice and second.reply_text.startswith("The earlier response thread")
    assert second.provider_state["response_id"] == "resp_3"


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        (
            response("r", None, status="failed", error={"code": "moderation_blocked", "message": "Blocked."}),
            "safety reasons (moderation_blocked)",
        ),
        (response("r", None, status="incomplete", incomplete_details={"reason": "content_filter"}), "safety"),
        (response("r", None, "I can't help with that."), "text but no image"),
    ],
)
def test_failures_in_the_response_body(
    responses_home: Home, service: FakeService, doc: dict[str, Any], needle: str
) -> None:
    service.queue(Reply(body=doc))
    engine = make_engine(responses_home)
    engine.new_session("r")
    with pytest.raises(ProviderError) as info:
        engine.send("r", "a fox")
    assert needle in info.value.message
    assert engine.load("r").turns[0].status == "failed"

"""Kind openai-chat: every documented place an image comes back, and images carried into the next turn."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, Reply, all_text, b64, make_engine, png, write_profile

from session_tui.engine import RefInput
from session_tui.errors import ProviderError
from session_tui.paths import Home

IMG1 = png((255, 0, 0))
IMG2 = png((0, 255, 0))


def completion(message: dict[str, Any], finish: str = "stop", **choice: Any) -> dict[str, Any]:
    return {
        "id": "gen-1",
        "object": "chat.completion",
        "created": 1,
        "model": "google/gemini-3-pro-image",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish, **choice}
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1290, "total_tokens": 1295},
    }


def openrouter(image: bytes, text: str = "") -> dict[str, Any]:
    return completion(
        {
            "content": text,
            "images": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(image)}"}}],
        }
    )


@pytest.fixture
def chat_home(home: Home, service: FakeService, key_env: str) -> Home:
    write_profile(
        home.root,
        "router",
        kind="openai-chat",
        base_url=f"{service.url}/api/v1",
        model="google/gemini-3-pro-image",
        api_key_env=KEY_ENV,
        max_retries=1,
    )
    return home


def test_two_turns_carry_the_earlier_image_back(
    chat_home: Home, service: FakeService, ref_png: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # neither an ambient Authorization header nor OpenAI org ids from the environment reach a gateway
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-ambient-000000000")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-123")
    service.queue(Reply(body=openrouter(IMG1, "A fox.")), Reply(body=openrouter(IMG2)))
    engine = make_engine(chat_home)
    engine.new_session("c", refs=[RefInput(ref_png, "front")])
    first = engine.send("c", "on the beach", aspect_ratio="16:9", image_size="4K")
    second = engine.send("c", "make the scarf blue")
    assert second.images[0].sha256 == hashlib.sha256(IMG2).hexdigest()
    req1, req2 = service.posts()
    assert req1.path == "/api/v1/chat/completions"
    assert req1.headers["authorization"] == f"Bearer {KEY}"
    assert "openai-organization" not in req1.headers
    body1 = req1.json
    assert body1["modalities"] == ["image", "text"]
    assert body1["image_config"] == {"aspect_ratio": "16:9", "image_size": "4K"}
    assert "seed" not in body1
    messages = req2.json["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert (
        messages[0]["content"][0]["image_url"]["url"] == f"data:image/png;base64,{b64(ref_png.read_bytes())}"
    )
    assert messages[1]["content"] == "A fox."
    # the image of turn 1 travels with the next prompt, not just its text
    assert messages[2]["content"][0] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{b64(IMG1)}"},
    }
    assert messages[2]["content"][-1] == {"type": "text", "text": second.prompt_sent}
    assert first.request.images[0]["role"] == "reference"
    assert [i["role"] for i in second.request.images] == ["reference", "last"]
    assert second.request.bytes_sent > len(IMG1)
    assert KEY not in all_text(chat_home.root)


@pytest.mark.parametrize(
    "message",
    [
        {"content": f"Here: ![image](data:image/png;base64,{b64(IMG1)}) done"},
        {
            "content": [
                {"type": "text", "text": "Here."},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(IMG1)}"}},
            ]
        },
        {
            "content": "",
            "images": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(IMG1)}"}}],
        },
    ],
    ids=["markdown-data-url", "content-parts", "message-images"],
)
def test_every_documented_image_place(chat_home: Home, service: FakeService, message: dict[str, Any]) -> None:
    service.queue(Reply(body=completion(message)))
    engine = make_engine(chat_home)
    engine.new_session("c")
    turn = engine.send("c", "a fox")
    assert turn.images[0].sha256 == hashlib.sha256(IMG1).hexdigest()
    assert "data:" not in turn.reply_text


def test_markdown_http_image_is_downloaded_without_the_key(chat_home: Home, service: FakeService) -> None:
    service.routes["/files/out.png"] = Reply(body=IMG2, headers={"Content-Type": "image/png"})
    service.queue(Reply(body=completion({"content": f"![image]({service.url}/files/out.png)"})))
    engine = make_engine(chat_home)
    engine.new_session("c")
    turn = engine.send("c", "a fox")
    assert turn.images[0].sha256 == hashlib.sha256(IMG2).hexdigest()
    download = next(r for r in service.requests if r.path == "/files/out.png")
    assert "authorization" not in download.headers


def test_content_filter_is_a_safety_failure(chat_home: Home, service: FakeService) -> None:
    service.queue(
        Reply(body=completion({"content": None}, finish="content_filter")),
        Reply(body=completion({"content": "No."}, native_finish_reason="IMAGE_SAFETY")),
    )
    engine = make_engine(chat_home)
    engine.new_session("c")
    for prompt in ("one", "two"):
        with pytest.raises(ProviderError, match="safety"):
            engine.send("c", prompt)
    assert [t.status for t in engine.load("c").turns] == ["failed", "failed"]


def test_text_only_answer_keeps_the_text(chat_home: Home, service: FakeService) -> None:
    service.queue(Reply(body=completion({"content": "I can only describe it: a fox on a beach."})))
    engine = make_engine(chat_home)
    engine.new_session("c")
    with pytest.raises(ProviderError, match="text but no image"):
        engine.send("c", "a fox")
    assert engine.load("c").turns[0].reply_text == "I can only describe it: a fox on a beach."

"""Kind gemini: native generateContent through the SDK, against a local server."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, Reply, all_text, b64, make_engine, png, write_profile

from session_tui.engine import RefInput
from session_tui.errors import ProviderError
from session_tui.paths import Home

IMG1 = png((255, 0, 0))
IMG2 = png((0, 0, 255))
THOUGHT_IMG = png((9, 9, 9))


def answer(image: bytes, signature: str, text: str = "Here she is.") -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Planning the pose…", "thought": True},
                        {"inlineData": {"mimeType": "image/png", "data": b64(THOUGHT_IMG)}, "thought": True},
                        {"text": text, "thoughtSignature": f"{signature}-text"},
                        {
                            "inlineData": {"mimeType": "image/png", "data": b64(image)},
                            "thoughtSignature": signature,
                        },
                    ],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290, "totalTokenCount": 1302},
        "modelVersion": "gemini-3-pro-image",
    }


@pytest.fixture
def gemini_home(home: Home, service: FakeService, key_env: str) -> Home:
    write_profile(
        home.root,
        "nbp",
        kind="gemini",
        base_url=service.url,
        model="gemini-3-pro-image",
        api_key_env=KEY_ENV,
        max_retries=1,
    )
    return home


def test_two_turns_echo_model_parts_with_signatures(
    gemini_home: Home, service: FakeService, ref_png: Path
) -> None:
    service.queue(Reply(body=answer(IMG1, "sig-one")), Reply(body=answer(IMG2, "sig-two")))
    engine = make_engine(gemini_home)
    engine.new_session("g", refs=[RefInput(ref_png, "front")])
    first = engine.send("g", "on the beach", aspect_ratio="16:9", image_size="2K")
    second = engine.send("g", "make the scarf blue")

    assert first.status == second.status == "ok"
    assert first.images[0].sha256 == hashlib.sha256(IMG1).hexdigest()  # the thought image was skipped
    assert first.reply_text == "Here she is."
    req1, req2 = (r for r in service.posts())
    assert req1.path == "/v1beta/models/gemini-3-pro-image:generateContent"
    assert req1.headers["x-goog-api-key"] == KEY
    assert "authorization" not in req1.headers
    body1 = req1.json
    assert body1["generationConfig"] == {
        "responseModalities": ["TEXT", "IMAGE"],
        "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"},
    }
    assert body1["contents"][0]["parts"][0]["inline_data"]["data"] == b64(ref_png.read_bytes())

    contents = req2.json["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user"]
    model_parts = contents[1]["parts"]
    # every model part comes back as received: thought text, signed text, signed image (thought image skipped)
    assert model_parts[0] == {"text": "Planning the pose…", "thought": True}
    assert model_parts[1] == {"text": "Here she is.", "thoughtSignature": "sig-one-text"}
    assert model_parts[2] == {
        "inlineData": {"mimeType": "image/png", "data": b64(IMG1)},
        "thoughtSignature": "sig-one",
    }
    assert contents[2]["parts"][-1]["text"] == second.prompt_sent
    assert second.request.turns_sent == 3
    # the turn stores the signature, not a second copy of the image
    stored = engine.load("g").turns[0].provider_state["model_parts"]
    assert stored[2]["thoughtSignature"] == "sig-one" and "data" not in stored[2]["inlineData"]
    assert KEY not in all_text(gemini_home.root)


def test_safety_blocks_fail_the_turn_and_keep_the_prompt(gemini_home: Home, service: FakeService) -> None:
    service.queue(
        Reply(body={"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}),
        Reply(
            body={
                "candidates": [
                    {
                        "finishReason": "IMAGE_SAFETY",
                        "finishMessage": "Unsafe image.",
                        "content": {"parts": [{"text": "I can't draw that."}]},
                    }
                ]
            }
        ),
        Reply(body={"candidates": [{"finishReason": "NO_IMAGE", "content": {"parts": []}}]}),
    )
    engine = make_engine(gemini_home)
    engine.new_session("g")
    for prompt, needle in (("one", "PROHIBITED_CONTENT"), ("two", "IMAGE_SAFETY"), ("three", "NO_IMAGE")):
        with pytest.raises(ProviderError) as info:
            engine.send("g", prompt)
        assert needle in info.value.message
    turns = engine.load("g").turns
    assert [(t.status, t.prompt) for t in turns] == [
        ("failed", "one"),
        ("failed", "two"),
        ("failed", "three"),
    ]
    assert "safety" in turns[1].error and turns[1].reply_text == "I can't draw that."


def test_text_only_answer_is_kept(gemini_home: Home, service: FakeService) -> None:
    service.queue(
        Reply(
            body={
                "candidates": [
                    {"finishReason": "STOP", "content": {"parts": [{"text": "Which scarf do you mean?"}]}}
                ]
            }
        )
    )
    engine = make_engine(gemini_home)
    engine.new_session("g")
    with pytest.raises(ProviderError, match="text but no image"):
        engine.send("g", "make the scarf blue")
    turn = engine.load("g").turns[0]
    assert turn.status == "failed" and turn.reply_text == "Which scarf do you mean?"


def test_lowercase_size_never_reaches_the_wire(gemini_home: Home, service: FakeService) -> None:
    engine = make_engine(gemini_home)
    engine.new_session("g")
    with pytest.raises(Exception, match="uppercase K"):
        engine.send("g", "hi", image_size="2k")
    assert service.requests == []


def test_thread_too_big_is_condensed_to_the_last_image(
    home: Home, service: FakeService, key_env: str
) -> None:
    # A budget that holds one echoed image but not two: the third turn sends only the last image.
    big1, big2 = _noise_png(1), _noise_png(2)
    write_profile(
        home.root,
        "nbp",
        kind="gemini",
        base_url=service.url,
        model="gemini-3-pro-image",
        api_key_env=KEY_ENV,
        request_budget_mb=round(len(big1) * 1.9 / 1_000_000, 3),
    )
    service.queue(
        Reply(body=answer(big1, "s1")), Reply(body=answer(big2, "s2")), Reply(body=answer(IMG1, "s3"))
    )
    engine = make_engine(home)
    engine.new_session("g")
    engine.send("g", "one")
    engine.send("g", "two")
    third = engine.send("g", "three")
    body = service.posts()[2].json
    assert len(body["contents"]) == 1
    assert "no longer fit" in third.request.notice and "no longer fit" in third.reply_text
    sent = body["contents"][0]["parts"][0]["inline_data"]
    assert len(base64.b64decode(sent["data"])) <= len(big2)


def _noise_png(seed: int) -> bytes:
    import io
    import random

    from PIL import Image

    rnd = random.Random(seed)
    img = Image.frombytes("RGB", (300, 300), rnd.randbytes(300 * 300 * 3))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def test_check_looks_the_model_up_with_the_key_header(
    gemini_home: Home, service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-ambient-000000000")
    service.routes["/v1beta/models/gemini-3-pro-image"] = Reply(
        body={
            "name": "models/gemini-3-pro-image",
            "displayName": "Nano Banana Pro",
            "supportedGenerationMethods": ["generateContent", "countTokens"],
        }
    )
    engine = make_engine(gemini_home)
    sentence = engine.provider("nbp").check()
    assert sentence == (
        "nbp (127.0.0.1): reached, the key works, and model 'gemini-3-pro-image' "
        "(Nano Banana Pro) is available."
    )
    seen = service.requests[-1]
    assert seen.headers["x-goog-api-key"] == KEY and "authorization" not in seen.headers
    service.routes["/v1beta/models/gemini-3-pro-image"] = Reply(
        403,
        {
            "error": {
                "code": 403,
                "message": "Method doesn't allow unregistered callers.",
                "status": "PERMISSION_DENIED",
            }
        },
    )
    with pytest.raises(ProviderError, match="denied access"):
        engine.provider("nbp").check()

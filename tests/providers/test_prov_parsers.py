"""The response parsers are pure: any JSON in, an Answer or a ProviderError out, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from fakeservice import b64, png
from hypothesis import given, settings
from hypothesis import strategies as st

from session_tui.errors import ProviderError
from session_tui.providers.parsers import (
    BLOB_KEY,
    load_json,
    markdown_images,
    parse_chat,
    parse_gemini,
    parse_images,
    parse_responses,
)

PARSERS = (parse_chat, parse_gemini, parse_images, parse_responses)
KEYS = [
    "choices",
    "message",
    "content",
    "images",
    "image_url",
    "url",
    "type",
    "text",
    "candidates",
    "parts",
    "inlineData",
    "inline_data",
    "data",
    "mimeType",
    "thought",
    "thoughtSignature",
    "finishReason",
    "promptFeedback",
    "blockReason",
    "output",
    "result",
    "status",
    "error",
    "b64_json",
    "finish_reason",
    "incomplete_details",
    "reason",
    "refusal",
    "id",
    "usage",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            "image_url",
            "text",
            "data:image/png;base64,AAAA",
            "STOP",
            "IMAGE_SAFETY",
            "message",
            "image_generation_call",
            "output_text",
            "https://x.example/a.png",
            "![i](data:image/png;base64,iVBO)",
            b64(b"not an image"),
            "",
            "content_filter",
        ]
    ),
    st.text(max_size=20),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(doc=JSON)
def test_parsers_never_raise_anything_but_provider_error(doc: Any) -> None:
    for parse in PARSERS:
        try:
            answer = parse(doc, "svc")
        except ProviderError as exc:
            assert exc.message.startswith("svc ")
        else:
            assert all(isinstance(i, bytes) for i in answer.images)
            assert all(u.startswith(("http://", "https://")) for u in answer.urls)


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=64))
def test_load_json_refuses_garbage_in_one_sentence(content: bytes) -> None:
    try:
        load_json(content, "svc")
    except ProviderError as exc:
        assert "not JSON" in exc.message and "\n" not in exc.message


def test_markdown_images_takes_data_and_http_urls() -> None:
    text, urls = markdown_images(
        'Here ![a](data:image/png;base64,AAAA) and ![b](<https://x.example/b.png> "t").'
    )
    assert urls == ["data:image/png;base64,AAAA", "https://x.example/b.png"]
    assert text == "Here  and ."


def test_gemini_parts_are_kept_with_the_blob_in_place_of_data() -> None:
    image = png()
    doc = {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {
                            "inlineData": {"mimeType": "image/png", "data": b64(png((1, 1, 1)))},
                            "thought": True,
                        },
                        {
                            "inlineData": {"mimeType": "image/png", "data": b64(image)},
                            "thoughtSignature": "sig",
                        },
                    ]
                }
            }
        ]
    }
    answer = parse_gemini(doc, "svc")
    assert answer.images == [image]
    (part,) = answer.state["model_parts"]
    assert part["thoughtSignature"] == "sig" and part["inlineData"] == {"mimeType": "image/png"}
    assert len(part[BLOB_KEY]) == 64


@pytest.mark.parametrize(
    "doc",
    [
        {"error": {"message": "quota", "code": 429}},
        [{"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}],
    ],
)
def test_error_bodies_with_status_200(doc: Any) -> None:
    with pytest.raises(ProviderError, match="quota"):
        parse_chat(doc, "svc") if isinstance(doc, dict) else parse_images({"error": doc[0]["error"]}, "svc")

"""Property-based fuzzing of every response parser with answers shaped like each service's, but hostile.

A parser returns an Answer (bytes images, http(s) URLs, text) or raises ProviderError with one
sentence; nothing else, whatever the service sends. ``parser_strategies`` is shared with
scripts/reliability_report.py.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_tui.errors import ProviderError
from session_tui.providers.parsers import (
    checked_image,
    load_json,
    parse_chat,
    parse_gemini,
    parse_images,
    parse_responses,
)

PNG_B64 = base64.b64encode(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
    b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
).decode()

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))
b64ish = st.one_of(
    st.just(PNG_B64),
    st.just(PNG_B64[:-7]),
    st.just("!!!not base64!!!"),
    st.just(""),
    st.just("QUJD-_"),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \n-_", max_size=60),
    st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()),
    scalars,
)
urls = st.one_of(
    st.builds(
        lambda m, d: f"data:{m};base64,{d}",
        st.sampled_from(["image/png", "text/html", "", "image/svg+xml", "application/octet-stream"]),
        b64ish.map(str),
    ),
    st.sampled_from(
        [
            "data:image/png,raw",
            "data:",
            "https://img.example/a.png",
            "http://127.0.0.1:1/x.png",
            "ftp://x/y.png",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "//no-scheme.png",
            "",
        ]
    ),
    scalars,
)
texts = st.one_of(
    st.text(max_size=60),
    st.builds(lambda u, t: f"{t} ![img]({u}) {t}", urls.map(str), st.text(max_size=20)),
    st.just("![" * 300),
    st.just("![x](data:image/png;base64,A" + " " * 300),
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, scalars)


chat_part = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["text", "output_text", "image_url", "image", "output_image", "weird"]),
        "text": _maybe(texts),
        "image_url": _maybe(st.one_of(urls, st.fixed_dictionaries({"url": urls}))),
        "url": urls,
        "b64_json": b64ish,
    },
)
chat_doc = st.fixed_dictionaries(
    {},
    optional={
        "choices": _maybe(
            st.lists(
                _maybe(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "message": _maybe(
                                st.fixed_dictionaries(
                                    {},
                                    optional={
                                        "content": st.one_of(
                                            texts, st.lists(_maybe(chat_part), max_size=4), scalars
                                        ),
                                        "images": _maybe(st.lists(_maybe(chat_part), max_size=3)),
                                        "refusal": _maybe(st.text(max_size=20)),
                                    },
                                )
                            ),
                            "finish_reason": _maybe(st.sampled_from(["stop", "content_filter", "length"])),
                            "native_finish_reason": _maybe(
                                st.sampled_from(["IMAGE_SAFETY", "STOP", "SAFETY"])
                            ),
                        },
                    )
                ),
                max_size=3,
            )
        ),
        "error": _maybe(
            st.fixed_dictionaries(
                {}, optional={"message": _maybe(st.text(max_size=30)), "code": scalars, "status": scalars}
            )
        ),
        "usage": _maybe(st.dictionaries(st.text(max_size=5), scalars, max_size=3)),
        "model": scalars,
    },
)
images_doc = st.fixed_dictionaries(
    {},
    optional={
        "data": _maybe(
            st.lists(
                _maybe(
                    st.fixed_dictionaries(
                        {}, optional={"b64_json": b64ish, "url": urls, "revised_prompt": _maybe(texts)}
                    )
                ),
                max_size=3,
            )
        ),
        "error": _maybe(st.fixed_dictionaries({}, optional={"message": scalars, "code": scalars})),
        "usage": scalars,
    },
)
responses_doc = st.fixed_dictionaries(
    {},
    optional={
        "status": _maybe(st.sampled_from(["completed", "incomplete", "failed", "cancelled"])),
        "output": _maybe(
            st.lists(
                _maybe(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "type": st.sampled_from(
                                ["image_generation_call", "message", "reasoning", "other"]
                            ),
                            "result": b64ish,
                            "id": scalars,
                            "content": _maybe(
                                st.lists(
                                    _maybe(
                                        st.fixed_dictionaries(
                                            {},
                                            optional={
                                                "type": st.sampled_from(["output_text", "refusal", "other"]),
                                                "text": scalars,
                                                "refusal": scalars,
                                            },
                                        )
                                    ),
                                    max_size=3,
                                )
                            ),
                        },
                    )
                ),
                max_size=4,
            )
        ),
        "error": _maybe(st.fixed_dictionaries({}, optional={"message": scalars, "code": scalars})),
        "incomplete_details": _maybe(st.fixed_dictionaries({}, optional={"reason": scalars})),
        "id": scalars,
        "model": scalars,
        "usage": scalars,
    },
)
gemini_part = st.fixed_dictionaries(
    {},
    optional={
        "text": _maybe(texts),
        "thought": scalars,
        "thoughtSignature": scalars,
        "inlineData": _maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "data": b64ish,
                    "mimeType": _maybe(st.sampled_from(["image/png", "text/plain", "image/jpeg", ""])),
                },
            )
        ),
        "inline_data": _maybe(st.fixed_dictionaries({}, optional={"data": b64ish, "mime_type": scalars})),
    },
)
gemini_doc = st.fixed_dictionaries(
    {},
    optional={
        "candidates": _maybe(
            st.lists(
                _maybe(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "content": _maybe(
                                st.fixed_dictionaries(
                                    {}, optional={"parts": _maybe(st.lists(_maybe(gemini_part), max_size=4))}
                                )
                            ),
                            "finishReason": _maybe(
                                st.sampled_from(["STOP", "SAFETY", "IMAGE_SAFETY", "MAX_TOKENS", "OTHER"])
                            ),
                            "finishMessage": scalars,
                        },
                    )
                ),
                max_size=2,
            )
        ),
        "promptFeedback": _maybe(
            st.fixed_dictionaries({}, optional={"blockReason": scalars, "blockReasonMessage": scalars})
        ),
        "error": _maybe(
            st.fixed_dictionaries({}, optional={"message": scalars, "code": scalars, "status": scalars})
        ),
        "usageMetadata": scalars,
        "modelVersion": scalars,
    },
)

Parser = Callable[[object, str], Any]
parser_strategies: dict[str, tuple[Parser, st.SearchStrategy[Any]]] = {
    "chat": (parse_chat, chat_doc),
    "images": (parse_images, images_doc),
    "responses": (parse_responses, responses_doc),
    "gemini": (parse_gemini, gemini_doc),
}


def parser_property(parse: Parser, doc: Any) -> None:
    """Only an Answer or a one-sentence ProviderError naming the service."""
    try:
        answer = parse(doc, "svc")
    except ProviderError as exc:
        assert exc.message.startswith("svc ") and "\n" not in exc.message.strip(), exc.message
        return
    assert all(isinstance(i, bytes) for i in answer.images)
    assert all(isinstance(u, str) and u.lower().startswith(("http://", "https://")) for u in answer.urls)
    assert isinstance(answer.text, str)
    for image in answer.images:
        try:
            checked_image(image, "svc")
        except ProviderError as exc:
            assert exc.message.startswith("svc sent an image that session-tui cannot use")


def bytes_property(content: bytes) -> None:
    """Raw bodies: JSON or a sentence, then every parser on whatever JSON it was."""
    try:
        doc = load_json(content, "svc")
    except ProviderError as exc:
        assert "not JSON" in exc.message
        return
    for parse, _ in parser_strategies.values():
        parser_property(parse, doc)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(doc=chat_doc)
def test_chat_answers(doc: Any) -> None:
    parser_property(parse_chat, doc)


@FUZZ
@given(doc=images_doc)
def test_images_answers(doc: Any) -> None:
    parser_property(parse_images, doc)


@FUZZ
@given(doc=responses_doc)
def test_responses_answers(doc: Any) -> None:
    parser_property(parse_responses, doc)


@FUZZ
@given(doc=gemini_doc)
def test_gemini_answers(doc: Any) -> None:
    parser_property(parse_gemini, doc)


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=200),
        st.just(b"[" * 100_000),
        st.just(b'{"a":' * 5000),
        st.just(b"\xff\xfe{}"),
        st.just(b"1e999999"),
        st.just(b"9" * 5000),
    )
)
def test_raw_bodies(content: bytes) -> None:
    bytes_property(content)


@FUZZ
@given(data=st.binary(max_size=300))
def test_checked_image_refuses_random_bytes_in_one_sentence(data: bytes) -> None:
    try:
        checked_image(data, "svc")
    except ProviderError as exc:
        assert exc.message.startswith("svc sent an image that session-tui cannot use")


LINEAR_PROBE = r"""
from session_tui.providers.parsers import markdown_images, parse_chat
mb = 1_000_000
for text in ("![x](data:image/png;base64,A" + " " * mb, "![" * mb, ("![" + "a" * 499) * 2000,
             "![x](data:image/png;base64," + "A " * (mb // 2), "![x](https://a" + ' "' * (mb // 2)):
    markdown_images(text)
    try:
        parse_chat({"choices": [{"message": {"content": text}}]}, "svc")
    except Exception as exc:
        if type(exc).__name__ != "ProviderError":
            raise
print("done")
"""


def test_huge_hostile_text_is_parsed_in_linear_time() -> None:
    """A megabyte of text built to make a regex backtrack: it finishes (a bound, not a measurement).

    Before the fix, 16 KB of such text took 3 s and a megabyte would have taken hours.
    """
    proc = subprocess.run([sys.executable, "-c", LINEAR_PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr

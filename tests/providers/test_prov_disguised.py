"""Documented answers that looked like something else: each is a failed turn that keeps the prompt,
one sentence naming the real cause, and exit 4 (issue 13; the shapes are in shared/PROVIDERS.md)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fakeservice import KEY_ENV, FakeService, Reply, b64, make_engine, png, write_profile

from session_tui.errors import ProviderError
from session_tui.paths import Home

IMG = png((30, 160, 90))
GEMINI_OK = {
    "candidates": [
        {
            "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": b64(IMG)}}]},
            "finishReason": "STOP",
        }
    ]
}


def router(home: Home, service: FakeService, **extra: Any) -> Home:
    fields: dict[str, Any] = {
        "kind": "openai-chat",
        "base_url": f"{service.url}/api/v1",
        "model": "google/gemini-3-pro-image",
        "api_key_env": KEY_ENV,
        "max_retries": 0,
    }
    write_profile(home.root, "router", **{**fields, **extra})
    return home


def gemini(home: Home, service: FakeService, **extra: Any) -> Home:
    fields: dict[str, Any] = {
        "kind": "gemini",
        "base_url": service.url,
        "model": "gemini-3-pro-image",
        "api_key_env": KEY_ENV,
        "max_retries": 0,
    }
    write_profile(home.root, "nbp", **{**fields, **extra})
    return home


def failed(home: Home, prompt: str = "a fox on the beach") -> ProviderError:
    """Send one turn that must fail; the turn keeps the prompt and the one sentence."""
    engine = make_engine(home)
    engine.new_session("s")
    with pytest.raises(ProviderError) as info:
        engine.send("s", prompt)
    turn = engine.load("s").turns[-1]
    assert turn.status == "failed" and turn.prompt == prompt and turn.error == info.value.message
    assert "\n" not in info.value.message and info.value.exit_code == 4
    assert "text but no image" not in info.value.message
    return info.value


# -- OpenRouter ------------------------------------------------------------------------------------
def test_http_200_with_a_top_level_error_names_it(home: Home, service: FakeService, key_env: str) -> None:
    body = {
        "error": {
            "code": 429,
            "message": "Rate limit exceeded",
            "metadata": {"error_type": "rate_limit_exceeded", "provider_code": "rate_limited"},
        }
    }
    service.queue(Reply(200, body))
    error = failed(router(home, service))
    assert error.message == (
        "router (127.0.0.1) reported an error (429, rate_limit_exceeded): Rate limit exceeded; "
        "try again later."
    )
    assert error.retryable


def test_http_200_with_a_choice_that_ended_in_error_keeps_the_partial_text(
    home: Home, service: FakeService, key_env: str
) -> None:
    body = {
        "choices": [
            {
                "message": {"role": "assistant", "content": "partial output..."},
                "finish_reason": "error",
                "error": {
                    "code": 502,
                    "message": "Provider disconnected mid-stream",
                    "metadata": {"error_type": "provider_unavailable"},
                },
            }
        ]
    }
    service.queue(Reply(200, body))
    error = failed(router(home, service))
    assert "(502, provider_unavailable): Provider disconnected mid-stream; try again later" in error.message
    assert make_engine(home).load("s").turns[0].reply_text == "partial output..."


def test_403_moderation_says_moderation_not_the_key(home: Home, service: FakeService, key_env: str) -> None:
    body = {
        "error": {
            "code": 403,
            "message": "openai/gpt-5 requires moderation on OpenRouter. "
            'Your input was flagged for "violence".',
            "metadata": {
                "reasons": ["violence"],
                "flagged_input": "a fox fighting a bear...",
                "provider_name": "OpenAI",
                "model_slug": "openai/gpt-5",
            },
        }
    }
    service.queue(Reply(403, body))
    error = failed(router(home, service))
    assert error.message.startswith("router (127.0.0.1) blocked the request by moderation (violence): ")
    assert "(flagged: 'a fox fighting a bear')" in error.message
    assert "key may not have access" not in error.message


def test_400_content_policy_is_moderation_too(home: Home, service: FakeService, key_env: str) -> None:
    body = {
        "error": {"code": 400, "message": "Your request was rejected by the content policy of the provider."}
    }
    service.queue(Reply(400, body))
    error = failed(router(home, service))
    assert "blocked the request by moderation" in error.message and "content policy" in error.message


def test_404_no_endpoint_for_the_modalities_explains_image_only_models(
    home: Home, service: FakeService, key_env: str
) -> None:
    body = {
        "error": {
            "message": "No endpoints found that support the requested output modalities: image, text",
            "code": 404,
        }
    }
    service.queue(Reply(404, body))
    error = failed(router(home, service, model="black-forest-labs/flux.2-pro", modalities=["image", "text"]))
    assert 'an image-only model needs modalities = ["image"] in the profile' in error.message
    assert "does not know model" not in error.message


# -- OpenAI Responses ----------------------------------------------------------------------------
def test_a_response_failed_by_its_image_call_is_a_safety_block(
    home: Home, service: FakeService, key_env: str
) -> None:
    write_profile(
        home.root,
        "resp",
        kind="openai-responses",
        base_url=f"{service.url}/v1",
        model="gpt-5",
        api_key_env=KEY_ENV,
        max_retries=0,
    )
    body = {
        "id": "resp_1",
        "object": "response",
        "status": "failed",
        "model": "gpt-5",
        "error": {"code": "image_content_policy_violation", "message": "The image could not be generated."},
        "output": [{"type": "image_generation_call", "id": "ig_1", "status": "failed"}],
    }
    service.queue(Reply(200, body))
    error = failed(home)
    assert "blocked the request for safety reasons (image_content_policy_violation)" in error.message


# -- Gemini --------------------------------------------------------------------------------------
def retry_info(delay: str) -> dict[str, Any]:
    return {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted (e.g. check quota).",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}],
        }
    }


def test_429_waits_the_retry_delay_in_the_body(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(429, retry_info("1.5s")), Reply(200, GEMINI_OK))
    engine = make_engine(gemini(home, service, max_retries=1))
    engine.new_session("s")
    turn = engine.send("s", "a fox")
    assert turn.status == "ok" and turn.images[0].sha256 == hashlib.sha256(IMG).hexdigest()
    first, second = service.posts()
    assert second.at - first.at >= 1.4  # the SDK's own backoff would have come back within a second


def test_429_with_a_wait_beyond_the_timeout_says_how_long(
    home: Home, service: FakeService, key_env: str
) -> None:
    service.queue(Reply(429, retry_info("3600s")), Reply(200, GEMINI_OK))
    error = failed(gemini(home, service, max_retries=2, timeout_s=30))
    assert len(service.posts()) == 1  # not retried: the wait is longer than the turn may take
    assert "is rate limiting requests (429, RESOURCE_EXHAUSTED)" in error.message
    assert "(it asked to wait 3600 s)" in error.message


def test_429_without_retries_still_says_how_long(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(429, retry_info("2s")))
    error = failed(gemini(home, service))
    assert "(it asked to wait 2 s); try again later" in error.message


@pytest.mark.parametrize("reason", ["BLOCKED_REASON_UNSPECIFIED", "BLOCK_REASON_UNSPECIFIED"])
def test_an_unspecified_block_reason_beside_a_candidate_is_not_a_block(
    home: Home, service: FakeService, key_env: str, reason: str
) -> None:
    service.queue(Reply(200, {**GEMINI_OK, "promptFeedback": {"blockReason": reason}}))
    engine = make_engine(gemini(home, service))
    engine.new_session("s")
    assert engine.send("s", "a fox").status == "ok"


@pytest.mark.parametrize("suffix", ["/v1beta", "/v1beta/", "/"])
def test_a_base_url_ending_in_v1beta_is_not_doubled(
    home: Home, service: FakeService, key_env: str, suffix: str
) -> None:
    service.queue(Reply(200, GEMINI_OK))
    engine = make_engine(gemini(home, service, base_url=service.url + suffix))
    engine.new_session("s")
    engine.send("s", "a fox")
    assert service.posts()[0].path == "/v1beta/models/gemini-3-pro-image:generateContent"

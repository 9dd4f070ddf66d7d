"""Every failure a service can produce ends as a failed turn with the prompt and one sentence."""

from __future__ import annotations

import socket

import pytest
from fakeservice import KEY, KEY_ENV, FakeService, Reply, all_text, b64, make_engine, png, write_profile

from session_tui.errors import ConfigError, ProviderError
from session_tui.paths import Home

IMG = png()
OK = {
    "candidates": [
        {
            "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": b64(IMG)}}]},
            "finishReason": "STOP",
        }
    ]
}


def gemini_home(home: Home, url: str, **extra: object) -> Home:
    fields: dict[str, object] = {
        "kind": "gemini",
        "base_url": url,
        "model": "gemini-3-pro-image",
        "api_key_env": KEY_ENV,
        "max_retries": 0,
    }
    fields.update(extra)
    write_profile(home.root, "nbp", **fields)
    return home


def failed_turn(home: Home, prompt: str = "a fox on the beach") -> tuple[ProviderError, object]:
    engine = make_engine(home)
    engine.new_session("s")
    with pytest.raises(ProviderError) as info:
        engine.send("s", prompt)
    session = engine.load("s")
    turn = session.turns[-1]
    assert turn.status == "failed" and turn.prompt == prompt and turn.error == info.value.message
    assert "\n" not in info.value.message
    return info.value, turn


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (
            401,
            {
                "error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials.",
                    "status": "UNAUTHENTICATED",
                }
            },
            "refused the API key from $SESSION_TUI_TEST_KEY (401, UNAUTHENTICATED)",
        ),
        (
            400,
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [{"reason": "API_KEY_INVALID"}],
                }
            },
            "refused the API key",
        ),
        (
            403,
            {
                "error": {
                    "code": 403,
                    "message": "The caller does not have permission",
                    "status": "PERMISSION_DENIED",
                }
            },
            "denied access (403, PERMISSION_DENIED)",
        ),
        (
            404,
            {
                "error": {
                    "code": 404,
                    "message": "models/gemini-3-pro-image is not found",
                    "status": "NOT_FOUND",
                }
            },
            "does not know model 'gemini-3-pro-image'",
        ),
        (
            400,
            {"error": {"code": 400, "message": "Invalid value at imageSize", "status": "INVALID_ARGUMENT"}},
            "rejected the request (400, INVALID_ARGUMENT): Invalid value at imageSize",
        ),
        (
            503,
            "<html><body>Service Unavailable</body></html>",
            "had a server error (503): Service Unavailable",
        ),
        (
            429,
            [
                {
                    "error": {
                        "code": 429,
                        "message": "Resource has been exhausted",
                        "status": "RESOURCE_EXHAUSTED",
                    }
                }
            ],
            "rate limiting requests (429, RESOURCE_EXHAUSTED): Resource has been exhausted",
        ),
    ],
    ids=["401", "400-key", "403", "404", "400", "503-html", "429-list-wrapped"],
)
def test_status_errors(
    home: Home, service: FakeService, key_env: str, status: int, body: object, needle: str
) -> None:
    service.queue(Reply(status, body))
    error, _ = failed_turn(gemini_home(home, service.url))
    assert needle in error.message
    assert error.message.startswith("nbp (127.0.0.1)")


def test_429_with_retry_after_is_retried_then_succeeds(
    home: Home, service: FakeService, key_env: str
) -> None:
    service.queue(
        Reply(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}, {"Retry-After": "0.01"}),
        Reply(503, "busy", {"Retry-After": "0.01"}),
        Reply(body=OK),
    )
    engine = make_engine(gemini_home(home, service.url, max_retries=2))
    engine.new_session("s")
    assert engine.send("s", "a fox").status == "ok"
    assert len(service.posts()) == 3
    assert [r.headers["x-stainless-retry-count"] for r in service.posts()] == ["0", "1", "2"]


def test_retries_exhausted_are_reported(home: Home, service: FakeService, key_env: str) -> None:
    busy = Reply(
        500,
        {"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}},
        {"Retry-After": "0.01"},
    )
    service.queue(busy, busy)
    error, _ = failed_turn(gemini_home(home, service.url, max_retries=1))
    assert "after 2 attempts" in error.message and error.retryable
    assert len(service.posts()) == 2


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (Reply(body="{not json"), "not JSON ({not json)"),
        (Reply(body=""), "not JSON (an empty body)"),
        (
            Reply(
                body={
                    "candidates": [
                        {
                            "content": {
                                "parts": [
                                    {"inlineData": {"mimeType": "image/png", "data": b64(b"\x89PNG broken")}}
                                ]
                            }
                        }
                    ]
                }
            ),
            "cannot use",
        ),
        (
            Reply(
                body={
                    "candidates": [
                        {
                            "content": {
                                "parts": [{"inlineData": {"mimeType": "image/png", "data": "!!not base64!!"}}]
                            }
                        }
                    ]
                }
            ),
            "not valid base64",
        ),
        (Reply(body={"candidates": []}), "without any candidate"),
    ],
    ids=["malformed", "empty", "undecodable-image", "bad-base64", "no-candidates"],
)
def test_unreadable_answers(
    home: Home, service: FakeService, key_env: str, reply: Reply, needle: str
) -> None:
    service.queue(reply)
    error, _ = failed_turn(gemini_home(home, service.url))
    assert needle in error.message


def test_timeout(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(hang=True))
    error, _ = failed_turn(gemini_home(home, service.url, timeout_s=0.3))
    assert "did not answer within 0.3 s" in error.message


def test_dropped_connection(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(Reply(drop=True))
    error, _ = failed_turn(gemini_home(home, service.url))
    assert "Could not reach 127.0.0.1" in error.message


def test_connection_refused(home: Home, key_env: str) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error, _ = failed_turn(gemini_home(home, f"http://127.0.0.1:{port}"))
    assert "connection was refused" in error.message


def test_a_key_echoed_by_the_service_is_redacted(home: Home, service: FakeService, key_env: str) -> None:
    service.queue(
        Reply(
            400,
            {
                "error": {
                    "code": 400,
                    "message": f"Bad key {KEY} for this project",
                    "status": "INVALID_ARGUMENT",
                }
            },
        )
    )
    error, _ = failed_turn(gemini_home(home, service.url))
    assert KEY not in error.message and "[redacted]" in error.message
    assert KEY not in all_text(home.root)


def test_missing_key_is_refused_before_anything_is_written(home: Home, service: FakeService) -> None:
    gemini_home(home, service.url)
    engine = make_engine(home)
    engine.new_session("s")
    with pytest.raises(ConfigError, match="No API key for provider 'nbp': set the environment variable"):
        engine.send("s", "a fox")
    assert service.requests == []
    assert engine.load("s").turns == []  # known before sending: no failed turn is written (issue 15)


def test_openai_key_is_not_sent_to_a_custom_base_url(
    home: Home, service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-default-openai-key-000000")
    write_profile(home.root, "gw", kind="openai-chat", base_url=f"{service.url}/v1", model="some-model")
    engine = make_engine(home)
    engine.new_session("s")
    with pytest.raises(ConfigError, match="No API key"):
        engine.send("s", "a fox")
    assert service.requests == []

"""Concurrent scenes and the shared rate limiter, without a network (the loopback tests are in
tests/providers/test_prov_gemini_batch.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from session_tui.engine import Engine
from session_tui.engine.series import default_jobs, load_scenes, run_series
from session_tui.errors import InvalidInput, ProviderError
from session_tui.providers.base import GenerationRequest, GenerationResult
from session_tui.providers.ratelimit import RateLimiter, parse_duration, rate_limit_delay


def limited(delay_header: str | None = None, body: object = None) -> ProviderError:
    """A ProviderError as the wire raises it: redacted, with the SDK's 429 behind it."""
    sdk = Exception("429")
    sdk.status_code = 429  # type: ignore[attr-defined]
    sdk.response = SimpleNamespace(headers={"retry-after": delay_header} if delay_header else {})  # type: ignore[attr-defined]
    sdk.body = body  # type: ignore[attr-defined]
    try:
        try:
            raise sdk
        except Exception:
            raise ProviderError(
                "x (nbp) is rate limiting requests (429); try again later.", retryable=True
            ) from None
    except ProviderError as exc:
        return exc


def test_the_delay_comes_from_retry_after_or_gemini_retry_info() -> None:
    assert rate_limit_delay(limited("3")) == 3.0
    info = {
        "error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}
    }
    assert rate_limit_delay(limited(body=info)) == 1.5
    assert rate_limit_delay(limited()) == 2.0  # a 429 that names no delay
    assert rate_limit_delay(ProviderError("The service is down (503).")) is None
    assert parse_duration("2s") == 2.0 and parse_duration("soon") is None


class Crowded:
    """A provider that answers 429 (with a 0.2 s RetryInfo) while two requests are in flight."""

    name, kind, model = "crowded", "gemini", "gemini-3-pro-image"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = self.calls = self.refused = 0

    def generate(self, request: GenerationRequest) -> GenerationResult:
        info = {
            "error": {
                "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.2s"}]
            }
        }
        with self.lock:
            self.calls += 1
            if self.in_flight >= 2:
                self.refused += 1
                raise limited(body=info)
            self.in_flight += 1
        time.sleep(0.05)
        with self.lock:
            self.in_flight -= 1
        return GenerationResult(images=[b"x"])


def test_the_limiter_shares_one_back_off_and_settles_at_what_the_service_takes() -> None:
    limiter, provider = RateLimiter(6), Crowded()
    threads = [
        threading.Thread(target=limiter.call, args=(provider, GenerationRequest("p", params=None)))  # type: ignore[arg-type]
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert provider.calls - provider.refused == 12  # every request got through in the end
    # One shared wait, and the limit came down to what the service takes instead of 6 jobs retrying.
    assert 1 <= limiter.stats.backoffs <= provider.refused <= 4
    assert limiter.stats.waited_s >= 0.2


def test_a_limiter_gives_up_after_its_retries() -> None:
    class Always:
        def generate(self, request: GenerationRequest) -> GenerationResult:
            raise limited("0")

    with pytest.raises(ProviderError, match="rate limiting"):
        RateLimiter(1, retries=2).call(Always(), GenerationRequest("p", params=None))  # type: ignore[arg-type]


def test_offline_jobs_draw_every_scene_once_in_scene_order(engine: Engine, tmp_path: Path) -> None:
    engine.new_session("orange")
    path = tmp_path / "s.txt"
    path.write_text("".join(f"pose {i}\n" for i in range(1, 7)))
    result = run_series(engine, "orange", load_scenes(path), series="s", jobs=3)
    assert [s.number for s, _ in result.rendered] == [1, 2, 3, 4, 5, 6]
    turns = engine.load("orange").turns
    assert sorted(t.series.scene for t in turns) == [1, 2, 3, 4, 5, 6]
    assert all(t.status == "ok" and t.series.cost_usd == 0.0 for t in turns)
    assert result.cost_usd == 0.0 and default_jobs("offline") == 1 and default_jobs("gemini") == 4
    with pytest.raises(InvalidInput, match="--jobs must be at least 1"):
        run_series(engine, "orange", load_scenes(path), series="s", jobs=0)

"""One rate limiter shared by every concurrent job of a series.

A 429 is not a failure: its delay (the ``Retry-After`` header, or Gemini's ``RetryInfo.retryDelay``,
which Gemini sends instead of the header) is waited out once, by every job together, and the
request is sent again. While the service is answering 429 the number of requests in flight is
lowered to what it accepted, then raised again one step after several rounds of successes (additive
increase, multiplicative decrease), so eight jobs against a service that takes four settle at four
instead of hammering it. Only when ``retries`` run out does the 429 become the scene's failure.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from session_tui.errors import Cancelled, ProviderError
from session_tui.providers.base import GenerationRequest, GenerationResult, Provider

DEFAULT_DELAY_S = 2.0  # a 429 that names no delay
MAX_DELAY_S = 120.0  # a longer delay is the service saying "not today": wait at most this
RETRIES = 8
# After a 429, one more request in flight is tried only after this many rounds of successes: each
# probe that finds the limit costs every job one back-off, so probing often costs more than it gains.
PROBE_ROUNDS = 8
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")
_WAIT_IN_SENTENCE = re.compile(r"wait (\d+(?:\.\d+)?) ?s\b")


def parse_duration(value: object) -> float | None:
    """Seconds from ``"2s"``, ``"1.5s"`` (protobuf Duration as JSON) or ``"3"`` (Retry-After)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value >= 0 else None
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return float(m.group(1))
    return None


def _retry_info(body: object) -> float | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    details = body.get("details") if isinstance(body, dict) else None
    for d in details if isinstance(details, list) else []:
        if isinstance(d, dict) and str(d.get("@type", "")).endswith("google.rpc.RetryInfo"):
            return parse_duration(d.get("retryDelay"))
    return None


def rate_limit_delay(exc: BaseException) -> float | None:
    """The wait a rate-limit failure asks for (``DEFAULT_DELAY_S`` if it names none); None if ``exc``
    is not a rate limit. The SDK's status error is found behind the redacted ProviderError."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if getattr(cause, "status_code", None) == 429:
            response: Any = getattr(cause, "response", None)
            header = response.headers.get("retry-after") if response is not None else None
            delay = parse_duration(header) if header else None
            if delay is None:
                delay = _retry_info(getattr(cause, "body", None))
            return min(MAX_DELAY_S, delay if delay is not None else DEFAULT_DELAY_S)
        cause = cause.__cause__ or cause.__context__
    explicit = getattr(exc, "retry_after_s", None)  # if the error family ever carries it itself
    if isinstance(explicit, (int, float)) and not isinstance(explicit, bool):
        return min(MAX_DELAY_S, float(explicit))
    if isinstance(exc, ProviderError) and "rate limiting" in exc.message:
        m = _WAIT_IN_SENTENCE.search(exc.message)
        return min(MAX_DELAY_S, float(m.group(1)) if m else DEFAULT_DELAY_S)
    return None


@dataclass
class LimiterStats:
    """What the limiter did, for the series' summary and the benchmarks."""

    rate_limited: int = 0  # 429 answers received
    backoffs: int = 0  # distinct waits (several 429s inside one wait count once)
    waited_s: float = 0.0  # wall time of those waits
    peak_in_flight: int = 0


class RateLimiter:
    """At most ``jobs`` requests in flight, fewer while the service says 429; one shared back-off."""

    def __init__(
        self,
        jobs: int,
        *,
        retries: int = RETRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs = jobs
        self.retries = retries
        self._clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._allowed = jobs
        self._resume_at = 0.0
        self._streak = 0  # successes since the last change of _allowed
        self.stats = LimiterStats()

    def call(self, provider: Provider, request: GenerationRequest) -> GenerationResult:
        """``provider.generate(request)`` with rate limits waited out.

        Raises the last 429 after ``retries``.
        """
        attempt = 0
        while True:
            self._acquire(request.cancel)
            try:
                result = provider.generate(request)
            except ProviderError as exc:
                delay = rate_limit_delay(exc)
                self._release(delay)
                if delay is None or attempt >= self.retries:
                    raise
                attempt += 1
                continue
            except BaseException:
                self._release(None)
                raise
            self._release(None, ok=True)
            return result

    def _acquire(self, cancel: threading.Event) -> None:
        with self._cond:
            while True:
                if cancel.is_set():
                    raise Cancelled("The turn was cancelled; the prompt is kept.")
                wait = self._resume_at - self._clock()
                if wait <= 0 and self._in_flight < self._allowed:
                    break
                self._cond.wait(min(0.05, wait) if wait > 0 else 0.05)
            self._in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)

    def _release(self, delay: float | None, ok: bool = False) -> None:
        with self._cond:
            if delay is not None:
                now = self._clock()
                self.stats.rate_limited += 1
                if now >= self._resume_at:
                    self.stats.backoffs += 1
                    self.stats.waited_s += delay
                elif now + delay > self._resume_at:
                    self.stats.waited_s += now + delay - self._resume_at
                self._resume_at = max(self._resume_at, now + delay)
                # The requests still in flight are what the service accepts; this one was one too many.
                self._allowed = max(1, min(self._allowed, self._in_flight - 1))
                self._streak = 0
            elif ok:
                self._streak += 1
                if self._allowed < self.jobs and self._streak >= PROBE_ROUNDS * self._allowed:
                    self._allowed += 1
                    self._streak = 0
            self._in_flight -= 1
            self._cond.notify_all()

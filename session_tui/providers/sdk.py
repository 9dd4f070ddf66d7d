"""The openai SDK client of one request, and how a request in flight is cancelled.

A blocking SDK call cannot be interrupted from outside, and closing its client does not stop a
read already waiting. So the call runs in a worker thread, the caller waits for it while watching
the cancel event (and stays interruptible by Ctrl-C), and on cancel the sockets the call opened
are shut down, which ends the worker's blocked read at once. The sockets are learned through
httpx2's documented ``trace`` request extension.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from session_tui.errors import Cancelled, ProviderError

T = TypeVar("T")
POLL_S = 0.05  # how often the waiting caller looks at the cancel event
DOWNLOAD_MAX_BYTES = 64 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 60.0
RETRY_BODY_MAX = 256 * 1024  # an error body larger than this is not read for its RetryInfo
SDK_MAX_RETRY_AFTER_S = 120.0  # the SDK honours a server's wait up to two minutes
CANCELLED = "The turn was cancelled; the prompt is kept."
# Headers that carry a credential in any provider kind; none is ever sent to another host.
CREDENTIAL_HEADERS = (
    "authorization",
    "proxy-authorization",
    "x-goog-api-key",
    "api-key",
    "x-api-key",
    "cookie",
)


class Wire:
    """An SDK client whose request can be cancelled; make one per generate() or check()."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout_s: float,
        max_retries: int,
        cancel: threading.Event | None = None,
        official: bool = True,
    ) -> None:
        import httpx2
        import openai
        from openai import omit

        self.cancel = cancel or threading.Event()
        self.timeout_s = timeout_s
        self._home = _origin(httpx2.URL(base_url))
        self._aborted = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.http = httpx2.Client(
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
            timeout=timeout_s,
            follow_redirects=True,
        )
        # Named explicitly so that no Authorization taken from the environment (OPENAI_CUSTOM_HEADERS)
        # can replace it; Gemini and downloads omit it per request.
        headers: dict[str, Any] = {"Authorization": f"Bearer {api_key}"}
        if not official:
            # Organisation and project ids from the environment belong to OpenAI, not to a gateway.
            headers.update({"OpenAI-Organization": omit, "OpenAI-Project": omit})
        self.client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=self.http,
            default_headers=headers,
        )

    # -- cancellation -------------------------------------------------------------------------
    def _on_request(self, request: Any) -> None:
        if self._aborted or self.cancel.is_set():
            raise Cancelled(CANCELLED)  # also stops the SDK's retries after a cancel
        # Called for every request of a redirect chain too: httpx2 strips only Authorization when a
        # redirect leaves the origin, so a Gemini key (x-goog-api-key) would follow a 307 elsewhere.
        if _origin(request.url) != self._home:
            for name in CREDENTIAL_HEADERS:
                request.headers.pop(name, None)
        request.extensions["trace"] = self._trace

    def _on_response(self, response: Any) -> None:
        """Google says how long to wait in a ``RetryInfo`` detail of the body, not in Retry-After, which
        is all the SDK's retry reads: the wait is copied into the header, so the retry comes after it.
        A wait longer than the profile's timeout is not waited for: the SDK is told not to retry, and
        the sentence says how long the service asked to wait."""
        if response.status_code not in (429, 503) or {"retry-after", "retry-after-ms"} & set(
            response.headers
        ):
            return
        declared = response.headers.get("content-length", "")
        if "json" not in response.headers.get("content-type", "") or (
            declared.isdigit() and int(declared) > RETRY_BODY_MAX
        ):
            return
        from session_tui.providers.errors import error_details

        try:
            response.read()
            delay = error_details(json.loads(response.content)).retry_delay_s
        except Exception:  # an unreadable body: the SDK's own backoff applies
            return
        if delay is None or delay <= 0:
            return
        response.headers["retry-after"] = f"{delay:g}"
        if delay > min(self.timeout_s, SDK_MAX_RETRY_AFTER_S):
            response.headers["x-should-retry"] = "false"

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            late = self._aborted
        if late:
            _shutdown(sock)

    def abort(self) -> None:
        """Cut every connection this wire opened; the blocked call fails at once."""
        with self._lock:
            self._aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` in a worker thread; returns its result, or raises Cancelled as soon as cancel is set
        (KeyboardInterrupt too, so Ctrl-C is prompt)."""
        return run_cancellable(fn, self.cancel, self.abort, "session-tui-request")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing after an abort may find sockets already gone
            self.client.close()

    # -- downloads ------------------------------------------------------------------------------
    def download(self, url: str, service: str, max_bytes: int = DOWNLOAD_MAX_BYTES) -> bytes:
        """An image a service linked to, fetched through the SDK without any credentials."""
        import httpx2
        from openai import omit

        if not url.lower().startswith(("http://", "https://")):
            raise ProviderError(f"{service} linked an image with an address session-tui does not fetch.")
        options: Any = {
            "headers": {"Authorization": omit, "x-goog-api-key": omit, "Accept": "image/*"},
            "security": {},
            "max_retries": 1,
            "timeout": min(self.timeout_s, DOWNLOAD_TIMEOUT_S),
        }
        response = self.client.get(
            url, cast_to=httpx2.Response, options=options, stream=True, stream_cls=None
        )
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise ProviderError(
                    f"{service} linked an image of {int(declared) // 1_000_000} MB, over the "
                    f"{max_bytes // 1_000_000} MB download limit."
                )
            chunks: list[bytes] = []
            total = 0
            # Each read has its timeout; a server dripping a byte at a time needs a deadline for the whole.
            deadline = time.monotonic() + 3 * min(self.timeout_s, DOWNLOAD_TIMEOUT_S)
            for chunk in response.iter_bytes():
                if time.monotonic() > deadline:
                    raise ProviderError(
                        f"{service} linked an image that was still arriving after "
                        f"{3 * min(self.timeout_s, DOWNLOAD_TIMEOUT_S):.0f} s; it was abandoned."
                    )
                total += len(chunk)
                if total > max_bytes:
                    raise ProviderError(
                        f"{service} linked an image larger than the {max_bytes // 1_000_000} MB "
                        "download limit."
                    )
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            response.close()


def _origin(url: Any) -> tuple[str, int]:
    """The host and port a URL reaches (the scheme's default port when none is given): a credential
    belongs to that pair, so http to https on the same host and port keeps it, anything else loses it."""
    scheme = str(url.scheme).lower()
    port = url.port or {"http": 80, "https": 443}.get(scheme, 0)
    return str(url.host).lower(), int(port)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def run_cancellable(fn: Callable[[], T], cancel: threading.Event, abort: Callable[[], None], name: str) -> T:
    """``fn()`` in a worker thread while the caller watches ``cancel``: on cancel (or Ctrl-C) ``abort``
    cuts the worker's connections and Cancelled is raised at once. Every wire of a provider uses it."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name=name, daemon=True).start()
    try:
        while not done.wait(POLL_S):
            if cancel.is_set():
                raise Cancelled(CANCELLED)
    except BaseException:
        abort()
        raise
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]

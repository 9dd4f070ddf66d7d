"""What the two local Stable Diffusion kinds share: pixel sizes, the seed, an HTTP client that cancels.

ComfyUI and the AUTOMATIC1111 / Forge web UI honour a seed, so every turn sends one: exactly
``--seed`` when given, otherwise one picked here, and the turn records it (``seed_used``) so that
``send --redo`` can reproduce the picture byte for byte.

Sizes. Both servers take width and height in pixels; session-tui speaks in an aspect ratio and
1K/2K/4K. The mapping keeps the area of a square of 1024, 2048 or 4096 pixels a side and rounds
each side to a multiple of 64 (Stable Diffusion XL's training buckets, and so of 8, which both
servers require): 1:1 1K → 1024×1024, 16:9 1K → 1344×768, 3:2 1K → 1280×832, 21:9 1K → 1536×640.

The HTTP client is httpx2 (the openai SDK's own transport) used directly. A request runs in a worker
thread while the caller watches the turn's cancel event; on cancel, the sockets the request opened
are shut down (learned through httpx2's ``trace`` extension), which ends a blocked read at once.
"""

from __future__ import annotations

import contextlib
import math
import secrets
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from session_tui.config import Profile
from session_tui.domain.model import GenerationParams
from session_tui.domain.vocabulary import ASPECT_RATIOS, MAX_REFERENCES
from session_tui.domain.wording import plural
from session_tui.errors import Cancelled, ConfigError, ProviderError
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, InputImage, Provider
from session_tui.providers.catalog import host_of
from session_tui.providers.errors import clip
from session_tui.providers.sdk import run_cancellable

T = TypeVar("T")
POLL_S = 0.05
CANCELLED = "The turn was cancelled; the prompt is kept."
DEFAULT_DENOISE = 0.55
_SIDE = {"1K": 1024, "2K": 2048, "4K": 4096}
_STEP = 64


def pixel_size(aspect_ratio: str, image_size: str) -> tuple[int, int]:
    """Width and height for a ratio and a size, multiples of 64 (see the module's docstring)."""
    w_part, h_part = (int(p) for p in aspect_ratio.split(":"))
    area = _SIDE.get(image_size, 1024) ** 2
    width = math.sqrt(area * w_part / h_part)
    height = area / width
    return _round(width), _round(height)


def _round(value: float) -> int:
    return max(_STEP, round(value / _STEP) * _STEP)


def choose_seed(params: GenerationParams) -> int:
    """The seed a turn sends: the one asked for, or a fresh 32-bit one that the turn records."""
    return params.seed if params.seed is not None else secrets.randbits(32)


def input_image(request: GenerationRequest) -> tuple[InputImage | None, str, list[InputImage]]:
    """The picture an img2img turn starts from, why, and the references that cannot be used.

    A later turn edits the newest picture; a first turn starts from its first reference (reset puts
    the promoted picture first). These servers take one starting picture, so the others go unused.
    """
    newest = request.history[-1].images[:1] if request.history else []
    if newest:
        return newest[0], "the newest picture", list(request.references)
    if request.references:
        first, *rest = request.references
        return first, f"reference {first.label or first.sha256[:12]!r}", rest
    return None, "", []


def unused_notice(unused: list[InputImage], service: str) -> str:
    if not unused:
        return ""
    names = ", ".join(repr(r.label or r.sha256[:12]) for r in unused)
    return (
        f"{service} takes one starting picture, "
        f"so {plural(len(unused), 'reference')} could not be used: {names}."
    )


class LocalSDProvider(Provider):
    """A Stable Diffusion server on the user's machine (or network): no key, a seed that is honoured."""

    service_name: str = "Stable Diffusion"
    default_url: str = "http://127.0.0.1:8188"

    def __init__(self, name: str, profile: Profile, home: Home) -> None:
        super().__init__(name, profile, home)
        if not profile.model.strip():
            raise ConfigError(
                f'Provider {name!r} ({profile.kind}) names no model; set model = "…" (the checkpoint file '
                f"name) in its profile in {home.config_file}."
            )
        url = (profile.base_url or self.default_url).rstrip("/")
        if not url.lower().startswith(("http://", "https://")):
            raise ConfigError(f"Provider {name!r}: base_url {url!r} is not an http(s) address.")
        self.base_url = url

    @property
    def host(self) -> str:
        return host_of(self.base_url) or self.base_url

    @property
    def service(self) -> str:
        return f"{self.name} ({self.service_name} at {self.host})"

    def capabilities(self) -> Capabilities:
        return Capabilities(
            multi_turn=True,
            max_references=min(MAX_REFERENCES, self.profile.max_references or MAX_REFERENCES),
            seed_honoured=True,
            aspect_ratios=ASPECT_RATIOS,
            description=(
                f"{self.service_name}: seed honoured; later turns are img2img from the newest picture "
                f"(denoise {self.denoise:g}); a first turn starts from its first reference"
            ),
        )

    def label(self) -> str:
        return f"{self.name} ({self.kind}, {self.model} at {self.host})"

    @property
    def denoise(self) -> float:
        return self.profile.denoise if self.profile.denoise is not None else DEFAULT_DENOISE

    def client(self, cancel: threading.Event | None) -> LocalClient:
        return LocalClient(self.base_url, self.profile.timeout_s, cancel, self.service)


class LocalClient:
    """httpx2 to one server, each call cancellable by the turn's event; raises only ProviderError."""

    def __init__(self, base_url: str, timeout_s: float, cancel: threading.Event | None, service: str) -> None:
        import httpx2

        self.base_url = base_url
        self.timeout_s = timeout_s
        self.cancel = cancel or threading.Event()
        self.service = service
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._aborted = False
        self.http = httpx2.Client(
            base_url=base_url, timeout=timeout_s, event_hooks={"request": [self._on_request]}
        )

    def __enter__(self) -> LocalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.http.close()

    # -- cancellation ---------------------------------------------------------------------------
    def _on_request(self, request: Any) -> None:
        if self._aborted:
            raise Cancelled(CANCELLED)
        request.extensions["trace"] = self._trace

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with self._lock:
                self._sockets.append(sock)

    def _abort(self) -> None:
        with self._lock:
            self._aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` in a worker thread; Cancelled as soon as the cancel event is set (or Ctrl-C)."""
        return run_cancellable(fn, self.cancel, self._abort, "session-tui-sd-request")

    # -- requests -------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request (cancellable), its transport failures as one sentence; the response as is."""
        import httpx2

        def call() -> Any:
            return self.http.request(method, path, **kwargs)

        try:
            return self.run(call)
        except httpx2.TimeoutException:
            raise ProviderError(
                f"{self.service} did not answer within {self.timeout_s:g} s; try again, or raise "
                "timeout_s in the profile.",
                retryable=True,
            ) from None
        except httpx2.TransportError as exc:
            raise ProviderError(
                f"Could not reach {self.service}: {_reason(exc)}; is the server running at "
                f"{self.base_url}? Check the profile's base_url.",
                retryable=True,
            ) from None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request whose 2xx answer must be JSON; other statuses are returned to the caller as is."""
        response = self.request(method, path, **kwargs)
        if response.status_code >= 300:
            return response
        try:
            return response.json()
        except ValueError:
            raise ProviderError(
                f"{self.service} answered {path} with something that is not JSON "
                f"({clip(response.text, 120) or 'an empty body'})."
            ) from None

    def fire(self, method: str, path: str, **kwargs: Any) -> None:
        """A best-effort request after a cancel (interrupting the job): never raises, never waits long."""
        import httpx2

        with contextlib.suppress(Exception), httpx2.Client(base_url=self.base_url, timeout=5.0) as http:
            http.request(method, path, **kwargs)


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__} {exc}".lower()
    if "refused" in text:
        return "the connection was refused"
    if "name or service" in text or "nodename" in text or "resolution" in text:
        return "the host name does not resolve"
    if "reset" in text or "disconnect" in text or "closed" in text:
        return "the server closed the connection without answering"
    return "the connection failed"


def status_error(service: str, status: int, what: str, detail: str) -> ProviderError:
    said = f": {clip(detail)}" if detail else ""
    return ProviderError(
        f"{service} refused {what} ({status}){said}.", retryable=status >= 500 or status in (408, 429)
    )

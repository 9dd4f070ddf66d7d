"""A provider that answers at once with a precomputed image: the engine's own cost, without a request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from session_tui.config import Config, Profile
from session_tui.engine import Engine
from session_tui.media.images import verify_decodes
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider


class InstantProvider(Provider):
    kind = "bench-instant"

    def __init__(self, name: str, profile: Profile, home: Home, image: bytes, preview: Any) -> None:
        super().__init__(name, profile, home)
        self.image = image
        self.preview = preview

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=14, seed_honoured=False)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        # As the network providers answer: they decode every image they receive to check it (part
        # of the request, not of the engine's own work; bench_turn times it on its own) and hand
        # over the small copy that decoding leaves, for the score.
        return GenerationResult(
            images=[self.image], text="Here it is.", model="instant", previews=[self.preview]
        )


def instant_engine(home: Path, image: bytes) -> Engine:
    """An engine whose every profile answers instantly with ``image``."""
    preview = verify_decodes(image, small=True)  # what checking the answer leaves, made once

    def factory(config: Config, name: str | None, h: Home) -> Provider:
        return InstantProvider(name or "instant", Profile(kind="offline", model="instant"), h, image, preview)

    return Engine(Home(home), Config(), provider_factory=factory)

"""A provider that answers at once with a precomputed image: the engine's own cost, without a request."""

from __future__ import annotations

from pathlib import Path

from session_tui.config import Config, Profile
from session_tui.engine import Engine
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, Provider


class InstantProvider(Provider):
    kind = "bench-instant"

    def __init__(self, name: str, profile: Profile, home: Home, image: bytes) -> None:
        super().__init__(name, profile, home)
        self.image = image

    def capabilities(self) -> Capabilities:
        return Capabilities(multi_turn=True, max_references=14, seed_honoured=False)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        # decoded=True as the network providers report it: they decode every image they receive to
        # check it, and that is part of the request, not of the engine's own work.
        return GenerationResult(images=[self.image], text="Here it is.", model="instant", decoded=True)


def instant_engine(home: Path, image: bytes) -> Engine:
    """An engine whose every profile answers instantly with ``image``."""
    def factory(config: Config, name: str | None, h: Home) -> Provider:
        return InstantProvider(name or "instant", Profile(kind="offline", model="instant"), h, image)

    return Engine(Home(home), Config(), provider_factory=factory)

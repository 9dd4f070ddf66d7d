"""What every part of the engine shares: the home, the config, the store and the provider checks."""

from __future__ import annotations

from collections.abc import Callable, Collection

from session_tui.config import Config, load_config
from session_tui.domain.model import GenerationParams, Session
from session_tui.domain.vocabulary import MAX_REFERENCES
from session_tui.errors import ConfigError, InvalidInput
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, Provider
from session_tui.providers.registry import provider_for
from session_tui.store.sessions import SessionDir, Store

ProviderFactory = Callable[[Config, str | None, Home], Provider]


class EngineBase:
    """The state the engine's operations share; each group of operations is a subclass of it."""

    def __init__(
        self, home: Home, config: Config | None = None, provider_factory: ProviderFactory = provider_for
    ) -> None:
        self.home = home
        self._config = config
        self._provider_factory = provider_factory

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.home)
        return self._config

    @property
    def store(self) -> Store:
        return Store(self.home.sessions_dir, self.config.lock_timeout_s)

    def session_dir(self, name: str) -> SessionDir:
        return self.store.session(name)

    def load(self, name: str, recent: int | None = None) -> Session:
        """The session ``name``; with ``recent``, only its newest turns are built (see SessionDir.load)."""
        return self.session_dir(name).load(recent)

    def provider(self, profile: str | None) -> Provider:
        return self._provider_factory(self.config, profile, self.home)

    @staticmethod
    def check_params(
        provider: Provider, params: GenerationParams, only: Collection[str] = ("image_size", "aspect_ratio")
    ) -> Capabilities:
        """The provider's capabilities, after refusing parameters it does not offer (of ``only``:
        a change of one parameter is not refused for another that was already out of offer)."""
        caps = provider.capabilities()
        if "image_size" in only and params.image_size not in caps.image_sizes:
            raise InvalidInput(
                f"{provider.name} does not offer image size {params.image_size}; "
                f"use {', '.join(caps.image_sizes)}."
            )
        if "aspect_ratio" in only and params.aspect_ratio not in caps.aspect_ratios:
            raise InvalidInput(
                f"{provider.name} does not offer aspect ratio {params.aspect_ratio}; "
                f"use {' '.join(caps.aspect_ratios)}."
            )
        return caps

    @staticmethod
    def check_ref_count(provider: Provider, count: int) -> None:
        limit = min(MAX_REFERENCES, provider.capabilities().max_references)
        if count > limit:
            raise InvalidInput(
                f"{count} references is more than {provider.name} ({provider.model}) accepts; "
                f"the limit is {limit}."
            )

    def missing_key(self, provider: Provider) -> str | None:
        """Why ``provider`` cannot send yet (no API key), as the sentence a send would fail with."""
        from session_tui.providers.keys import resolve_api_key
        from session_tui.providers.network import NetworkProvider

        if not isinstance(provider, NetworkProvider):
            return None  # the offline renderer needs no key
        try:
            resolve_api_key(provider.profile, self.home, provider.name)
        except ConfigError as exc:
            return exc.message
        return None

    def check_ready(self, provider: Provider) -> None:
        """Refuse a send that could only fail (no key) before anything is written."""
        problem = self.missing_key(provider)
        if problem is not None:
            raise ConfigError(problem)

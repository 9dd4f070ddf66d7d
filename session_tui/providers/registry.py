"""Provider kinds by name. Modules are imported only when a kind is used, so the CLI stays fast."""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import TYPE_CHECKING

from session_tui.errors import ConfigError

if TYPE_CHECKING:
    from session_tui.config import Config, Profile
    from session_tui.paths import Home
    from session_tui.providers.base import Provider

# kind -> "module:Class"; read-only so no code can change the registry at run time.
_KINDS = MappingProxyType(
    {
        "offline": "session_tui.providers.offline:OfflineProvider",
        "openai-chat": "session_tui.providers.openai_chat:OpenAIChatProvider",
        "openai-images": "session_tui.providers.openai_images:OpenAIImagesProvider",
        "openai-responses": "session_tui.providers.openai_responses:OpenAIResponsesProvider",
        "gemini": "session_tui.providers.gemini:GeminiProvider",
        "comfyui": "session_tui.providers.comfyui:ComfyUIProvider",
        "sdwebui": "session_tui.providers.sdwebui:SDWebUIProvider",
        "gemini-interactions": "session_tui.providers.gemini_interactions:GeminiInteractionsProvider",
    }
)


def provider_class(kind: str) -> type[Provider]:
    try:
        target = _KINDS[kind]
    except KeyError:
        raise ConfigError(
            f"Unknown provider kind {kind!r}; use one of {', '.join(sorted(_KINDS))}."
        ) from None
    module_name, _, cls_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise ConfigError(
            f"Provider kind {kind!r} is not available in this version of session-tui."
        ) from None
    cls: type[Provider] = getattr(module, cls_name)
    return cls


def create_provider(name: str, profile: Profile, home: Home) -> Provider:
    return provider_class(profile.kind)(name, profile, home)


def provider_for(config: Config, name: str | None, home: Home) -> Provider:
    """The provider of a profile name (or the default one)."""
    resolved, profile = config.profile(name)
    return create_provider(resolved, profile, home)

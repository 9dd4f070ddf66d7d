"""config.toml: provider profiles and preferences, validated with nearest-name hints."""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from session_tui.domain.vocabulary import ASPECT_RATIOS, IMAGE_SIZES, MODEL_FAMILIES, PROVIDER_KINDS
from session_tui.errors import ConfigError
from session_tui.media.userfiles import read_regular
from session_tui.paths import Home

OFFLINE_PROFILE = "offline"
# A config of a few profiles is a few kilobytes; anything near this is not one.
CONFIG_MAX_BYTES = 4 * 2**20


class Profile(BaseModel):
    """One way to reach an image model."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        description="Provider kind: offline, openai-chat, openai-images, openai-responses, gemini, "
        "gemini-interactions."
    )
    model: str = ""
    base_url: str | None = None
    api_key_env: str | None = None
    max_references: int | None = Field(default=None, ge=0, description="Lower the model's reference limit.")
    timeout_s: float = Field(default=120.0, gt=0, description="Seconds to wait for an answer, per attempt.")
    max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries on 408, 409, 429, 5xx and connection errors."
    )
    request_budget_mb: float = Field(
        default=20.0, gt=0, description="Input images are shrunk so a request fits this."
    )
    extra_body: dict[str, Any] = Field(default_factory=dict, description="Merged into each request body.")
    judge_model: str | None = None
    # What the model family can do, where the catalogue does not know the model or is wrong about it.
    family: str | None = Field(default=None, description="The catalogue's family to use for this model.")
    aspect_ratios: list[str] | None = Field(default=None, description="The ratios the model takes.")
    image_sizes: list[str] | None = Field(default=None, description="The sizes the model takes.")
    seed_honoured: bool | None = Field(default=None, description="Whether the model reproduces a seed.")
    modalities: list[str] | None = Field(
        default=None,
        description='openai-chat: output modalities to ask for; ["image"] for image-only models.',
    )
    tool_options: dict[str, Any] = Field(
        default_factory=dict,
        description="openai-responses: merged into the image_generation tool (quality, background, …).",
    )
    # Override the model's price (US dollars per million tokens) for the cost estimates.
    price_input_per_mtok: float | None = Field(default=None, ge=0, description="USD per 1M input tokens.")
    price_output_per_mtok: float | None = Field(default=None, ge=0, description="USD per 1M output tokens.")
    # Stable Diffusion servers (kinds comfyui and sdwebui); unset means the server's or template's default.
    workflow: str | None = Field(default=None, description="comfyui: an API-format workflow JSON file.")
    steps: int | None = Field(default=None, ge=1, le=1000, description="Sampling steps.")
    cfg: float | None = Field(default=None, ge=0, le=100, description="Classifier-free guidance scale.")
    sampler: str | None = Field(default=None, description="Sampler name, e.g. euler or 'DPM++ 2M'.")
    denoise: float | None = Field(
        default=None, gt=0, le=1, description="img2img strength of later turns (default 0.55)."
    )
    negative_prompt: str = ""

    @field_validator("base_url")
    @classmethod
    def _web_address(cls, v: str | None) -> str | None:
        """Only http:// and https:// with a host: file://, ftp://, unix://, javascript: and bare
        host names are refused before anything is sent (or a local file read)."""
        if v is None or not v.strip():
            return None
        parts = urlsplit(v.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{_shown_url(v)!r} is not a web address; it must start with http:// or https://"
            )
        return v.strip()

    def plain_http_warning(self) -> str | None:
        """A sentence when the base URL sends prompts and the key unencrypted to another machine."""
        if not self.base_url:
            return None
        parts = urlsplit(self.base_url)
        if parts.scheme.lower() != "http" or _loopback(parts.hostname or ""):
            return None
        return (
            f"{_shown_url(self.base_url)} uses plain http://, so prompts, images and the key travel "
            "not encrypted; use https:// unless the network is your own"
        )


class Config(BaseModel):
    """The whole of config.toml."""

    model_config = ConfigDict(extra="forbid")

    default_provider: str = OFFLINE_PROFILE
    reset_threshold: int = Field(12, ge=1, description="Turns after which a reset is suggested.")
    lock_timeout_s: float = Field(3.0, ge=0)
    score_backend: Literal["local", "learned"] = Field(
        "local", description="How `score` and new turns are scored: local, or learned (the vision extra)."
    )
    providers: dict[str, Profile] = Field(default_factory=dict)

    def profile(self, name: str | None) -> tuple[str, Profile]:
        """The named profile (or the default); ``offline`` always exists."""
        name = name or self.default_provider
        if name in self.providers:
            return name, self.providers[name]
        if name == OFFLINE_PROFILE:
            return name, Profile(kind="offline", model="offline-renderer")
        known = sorted({*self.providers, OFFLINE_PROFILE})
        raise ConfigError(
            f"No provider profile named {name!r}{_hint(name, known)}; known: {', '.join(known)}."
        )

    def profile_names(self) -> list[str]:
        return sorted({*self.providers, OFFLINE_PROFILE})


def _shown_url(url: str) -> str:
    """``url`` without user:password (never printed), clipped to one short line."""
    return " ".join(re.sub(r"//[^/@\s]+@", "//", url).split())[:120]


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def config_warnings(config: Config) -> list[str]:
    """What is allowed but unwise in ``config`` (plain http to another machine), one sentence each."""
    out = []
    for name, profile in sorted(config.providers.items()):
        warning = profile.plain_http_warning()
        if warning:
            out.append(f"provider {name!r}: {warning}.")
    return out


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Valid key names at the place a validation error points to."""
    if len(loc) >= 3 and loc[0] == "providers":
        return list(Profile.model_fields)
    return list(Config.model_fields)


def load_config(home: Home) -> Config:
    """Read and validate config.toml; a missing file means defaults (the offline renderer)."""
    path = home.config_file
    try:
        raw = read_regular(path, CONFIG_MAX_BYTES)  # a FIFO or a folder in its place is refused, unread
    except FileNotFoundError:
        return Config()
    except IsADirectoryError:
        raise ConfigError(
            f"{path} is a folder, not the config file (a session of that name?); rename or move it."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
    except RecursionError:  # [[[[… nested thousands deep
        raise ConfigError(f"{path} is nested too deeply to be a session-tui config.") from None
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path | str = "config.toml") -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            hint = _hint(str(loc[-1]), _fields_at(loc))
            raise ConfigError(f"{path}: unknown key {key!r}{hint}.") from None
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{path}: {key}: {msg}.") from None
    for name, profile in config.providers.items():
        if profile.kind not in PROVIDER_KINDS:
            kinds = sorted(PROVIDER_KINDS)
            raise ConfigError(
                f"{path}: providers.{name}.kind {profile.kind!r} is not a provider kind"
                f"{_hint(profile.kind, kinds)}; use one of {', '.join(kinds)}."
            )
    for name, profile in config.providers.items():
        _check_profile(f"{path}: providers.{name}", profile)
    if config.default_provider not in config.profile_names():
        raise ConfigError(
            f"{path}: default_provider {config.default_provider!r} names no profile"
            f"{_hint(config.default_provider, config.profile_names())}."
        )
    return config


# Keys that mean something to one kind only: elsewhere they would be silently ignored.
_KIND_KEYS = {"modalities": ("openai-chat",), "tool_options": ("openai-responses",)}
_MODALITIES = ("image", "text")


def _check_profile(where: str, profile: Profile) -> None:
    """The capability overrides and kind-specific keys of one profile, checked against the vocabulary."""
    for key, kinds in _KIND_KEYS.items():
        if key in profile.model_fields_set and profile.kind not in kinds:
            raise ConfigError(f"{where}.{key} applies to kind {' or '.join(kinds)} only, not {profile.kind}.")
    if profile.family is not None and profile.family not in MODEL_FAMILIES:
        raise ConfigError(
            f"{where}.family {profile.family!r} is not a model family"
            f"{_hint(profile.family, list(MODEL_FAMILIES))}; "
            f"use one of {', '.join(MODEL_FAMILIES)}."
        )
    for key, allowed in (
        ("aspect_ratios", ASPECT_RATIOS),
        ("image_sizes", IMAGE_SIZES),
        ("modalities", _MODALITIES),
    ):
        values: list[str] | None = getattr(profile, key)
        if values is None:
            continue
        if not values:
            raise ConfigError(f"{where}.{key} is empty; leave it out to use the model family's.")
        for value in values:
            if value not in allowed:
                raise ConfigError(
                    f"{where}.{key}: {value!r} is not one of {', '.join(allowed)}"
                    f"{_hint(value, list(allowed))}."
                )
    if profile.modalities is not None and "image" not in profile.modalities:
        raise ConfigError(f'{where}.modalities must include "image": an image is what a turn asks for.')

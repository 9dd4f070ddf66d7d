"""What the network kinds share: key, SDK client, cancellation, error sentences, budget, images.

A kind implements ``_generate(wire, request, key)`` (it runs in the request's worker thread) and
``_check(wire, key)``; this class turns whatever escapes into one redacted sentence.
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from session_tui.config import Profile
from session_tui.errors import ConfigError, InvalidInput, ProviderError, SessionTuiError
from session_tui.paths import Home
from session_tui.providers.base import Capabilities, GenerationRequest, GenerationResult, InputImage, Provider
from session_tui.providers.budget import OPENAI_MIMES, PER_IMAGE_OVERHEAD, Prepared, b64_len, fit
from session_tui.providers.catalog import Family, capabilities_for, family, host_of
from session_tui.providers.errors import Where, from_sdk, redact, redact_error
from session_tui.providers.input_cache import InputCache
from session_tui.providers.keys import effective_base_url, lookup, resolve_api_key
from session_tui.providers.parsers import Answer, checked_preview
from session_tui.providers.sdk import Wire

T = TypeVar("T")
_USERINFO = re.compile(r"//[^/@\s]+@")


def public_url(url: str) -> str:
    """A base URL fit to print: without user:password and without a query string."""
    return _USERINFO.sub("//", url).split("?", 1)[0]


class NetworkProvider(Provider):
    """A provider reached over HTTP through the openai SDK."""

    accepted_mimes: tuple[str, ...] = OPENAI_MIMES

    def __init__(self, name: str, profile: Profile, home: Home) -> None:
        super().__init__(name, profile, home)
        if not profile.model.strip():
            raise ConfigError(
                f'Provider {name!r} ({profile.kind}) names no model; set model = "…" in its profile '
                f"in {home.config_file}."
            )

    # -- facts ----------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return effective_base_url(self.profile)

    @property
    def host(self) -> str:
        return host_of(self.base_url) or public_url(self.base_url)

    @property
    def service(self) -> str:
        return f"{self.name} ({self.host})"

    @property
    def official(self) -> bool:
        """Whether the base URL is OpenAI's own (which alone gets OpenAI organisation headers)."""
        return self.host == "api.openai.com"

    # Whether this kind has a request field for a seed (Gemini's generationConfig.seed, chat's seed);
    # only then can a family or a profile say the seed is honoured.
    sends_seed: bool = False

    @property
    def catalog_model(self) -> str:
        """The model id the catalogue's family is looked up by."""
        return self.model

    @property
    def family(self) -> Family:
        return family(self.catalog_model, self.profile.family)

    def capabilities(self) -> Capabilities:
        p = self.profile
        return capabilities_for(
            self.kind,
            self.catalog_model,
            p.base_url,
            p.max_references,
            family_key=p.family,
            aspect_ratios=tuple(p.aspect_ratios) if p.aspect_ratios else None,
            image_sizes=tuple(p.image_sizes) if p.image_sizes else None,
            # None: as the family says; a kind with no seed field never honours one.
            seed_honoured=p.seed_honoured if self.sends_seed else False,
        )

    def seed(self, request: GenerationRequest) -> int | None:
        """The seed to send, where this kind sends one and the model honours it."""
        if request.params.seed is None or not self.sends_seed or not self.capabilities().seed_honoured:
            return None
        return request.params.seed

    def sends_image_size(self) -> bool:
        return self.family.sends_image_size

    def label(self) -> str:
        return f"{self.name} ({self.kind}, {self.model} at {self.host})"

    def state_scope(self) -> dict[str, str]:
        # A thread id means nothing to another service, a signature nothing to another model.
        return {**super().state_scope(), "base_url": public_url(self.base_url)}

    def budget_bytes(self) -> int:
        return int(self.profile.request_budget_mb * 1_000_000)

    def preflight(self, request: GenerationRequest) -> None:
        """The prompt and the references travel with every turn whatever else is condensed, so if
        even they cannot be fitted into the budget the send can only fail: say so before a failed
        turn is written. Only a request near its budget decodes anything here."""
        inputs = [(img, "reference") for img in request.references]
        fixed = len(request.prompt.encode())
        if (
            fixed + sum(b64_len(i.ref.size_bytes) + PER_IMAGE_OVERHEAD for i, _ in inputs)
            <= self.budget_bytes()
        ):
            return
        try:
            self.fit(inputs, fixed, request)
        except ProviderError as exc:
            raise InvalidInput(exc.message) from None
        finally:
            for img, _ in inputs:
                img.release()

    def key_hint(self) -> str:
        """Where the key came from (never the key), for a refused-key sentence."""
        try:
            found = lookup(self.profile, self.home, self.name)
        except SessionTuiError:
            return ""
        return found[1].describe(self.home) if found else ""

    # -- the request ----------------------------------------------------------------------------
    def generate(self, request: GenerationRequest) -> GenerationResult:
        return self._guarded(lambda wire, key: self._generate(wire, request, key), request.cancel)

    def check(self) -> str:
        return self._guarded(lambda wire, key: self._check(wire, key), None)

    @abstractmethod
    def _generate(self, wire: Wire, request: GenerationRequest, key: str) -> GenerationResult: ...

    @abstractmethod
    def _check(self, wire: Wire, key: str) -> str: ...

    def _guarded(self, fn: Callable[[Wire, str], T], cancel: Any) -> T:
        key = resolve_api_key(self.profile, self.home, self.name)
        secrets = [key]
        try:
            wire = Wire(
                base_url=self.base_url,
                api_key=key,
                timeout_s=self.profile.timeout_s,
                max_retries=self.profile.max_retries,
                cancel=cancel,
                official=self.official,
            )
            try:
                value = wire.run(lambda: fn(wire, key))
            finally:
                wire.close()
        except SessionTuiError as exc:
            raise redact_error(exc, secrets) from None
        except Exception as exc:
            mapped = from_sdk(exc, self._where())
            if mapped is None:
                raise ProviderError(
                    f"{self.service} failed unexpectedly: {redact(f'{type(exc).__name__}: {exc}', secrets)}."
                ) from None
            raise redact_error(mapped, secrets) from None
        # What a service said is stored and shown: a key it echoed must not be.
        if isinstance(value, GenerationResult):
            value.text = redact(value.text, secrets)
        elif isinstance(value, str):
            value = redact(value, secrets)  # type: ignore[assignment]
        return value

    def _where(self) -> Where:
        return Where(
            service=self.service,
            host=self.host,
            model=self.model,
            timeout_s=self.profile.timeout_s,
            attempts=self.profile.max_retries + 1,
            key_hint=self.key_hint(),
        )

    # -- helpers for the kinds -------------------------------------------------------------------
    def fit(
        self,
        inputs: list[tuple[InputImage, str]],
        fixed_bytes: int,
        request: GenerationRequest,
        as_base64: bool = True,
    ) -> list[Prepared]:
        return fit(
            inputs,
            budget_bytes=self.budget_bytes(),
            fixed_bytes=fixed_bytes,
            service=self.service,
            as_base64=as_base64,
            accepted=self.accepted_mimes,
            cancel=request.cancel,
            cache=InputCache(self.home.cache_dir),
        )

    def finish(
        self, wire: Wire, answer: Answer, *, request_info: dict[str, Any], text_prefix: str = ""
    ) -> GenerationResult:
        """Fetch linked images, check that every image decodes, and build the result."""
        images = list(answer.images)
        for url in answer.urls:
            images.append(wire.download(url, self.service))
        previews = [checked_preview(data, self.service) for data in images]
        text = f"{text_prefix} {answer.text}".strip() if text_prefix else answer.text
        return GenerationResult(
            images=images,
            text=text,
            model=answer.model or self.model,
            usage=answer.usage,
            provider_state=answer.state,
            request_info=request_info,
            seed_honoured=self.capabilities().seed_honoured,
            previews=previews,
        )

    def ratio_and_size(self, request: GenerationRequest) -> tuple[str, str | None]:
        size = request.params.image_size if self.sends_image_size() else None
        return request.params.aspect_ratio, size


def body_bytes(body: Any) -> int:
    """The size of a JSON body as sent (close enough to what the SDK serialises)."""
    return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, nested tables merged rather than replaced."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class OpenAIProvider(NetworkProvider):
    """The kinds spoken through the openai SDK's typed resources; checked by listing models."""

    def _check(self, wire: Wire, key: str) -> str:
        import openai

        try:
            raw = wire.client.models.with_raw_response.list()
        except openai.NotFoundError:
            return (
                f"{self.service}: reached, but it does not list models, so the key and model {self.model!r} "
                "are checked on the first send."
            )
        from session_tui.providers.parsers import load_json

        doc = load_json(raw.content, self.service)
        data = doc.get("data") if isinstance(doc, dict) else None
        ids = [str(m.get("id")) for m in data if isinstance(m, dict)] if isinstance(data, list) else []
        if self.model in ids:
            return f"{self.service}: reached, and model {self.model!r} is listed."
        raise ProviderError(
            f"{self.service} was reached, but model {self.model!r} is not among the {len(ids)} "
            "models it lists; check the model id in the profile."
        )

"""Kind ``gemini``: Gemini's native generateContent REST API, through the SDK's low-level requests.

The key goes in ``x-goog-api-key`` (never as a bearer token). Every model part of an earlier turn is
sent back exactly as received, ``thoughtSignature`` included; its image bytes come from the session's
blob store (the turn stores the sha256 in their place). When the thread no longer fits the request
budget, the conversation is condensed: references plus the last image as plain user parts (which
need no signature), and the turn says so.
"""

from __future__ import annotations

import base64
import re
from typing import Any, ClassVar

from session_tui.config import Profile
from session_tui.errors import ConfigError, ProviderError
from session_tui.paths import Home
from session_tui.providers.base import GenerationRequest, GenerationResult, HistoryTurn, InputImage
from session_tui.providers.budget import GEMINI_MIMES, Prepared, request_info
from session_tui.providers.network import NetworkProvider, body_bytes, deep_merge
from session_tui.providers.parsers import BLOB_KEY, load_json, parse_gemini
from session_tui.providers.sdk import Wire

_MODEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CONDENSED_NOTICE = (
    "The conversation's earlier images no longer fit in the request budget, so the last image was "
    "sent as input instead of the whole thread."
)


def inline(p: Prepared) -> dict[str, Any]:
    return {"inline_data": {"mime_type": p.mime, "data": base64.b64encode(p.data).decode("ascii")}}


def replay_parts(parts: object, images: list[InputImage]) -> list[dict[str, Any]] | None:
    """A turn's stored model parts with their image bytes put back, or None if they cannot be."""
    if not isinstance(parts, list) or not parts:
        return None
    by_sha = {img.sha256: img for img in images}
    out: list[dict[str, Any]] = []
    for part in parts:
        if not isinstance(part, dict):
            return None
        if BLOB_KEY not in part:
            out.append(part)
            continue
        image = by_sha.get(str(part[BLOB_KEY]))
        key = "inlineData" if "inlineData" in part else "inline_data"
        if image is None or not isinstance(part.get(key), dict):
            return None
        restored = {k: v for k, v in part.items() if k != BLOB_KEY}
        restored[key] = {**part[key], "data": base64.b64encode(image.data).decode("ascii")}
        out.append(restored)
    return out


def build_contents(
    request: GenerationRequest,
    refs: list[Prepared],
    replays: list[list[dict[str, Any]] | None],
    carried: list[list[Prepared]],
) -> list[dict[str, Any]]:
    """The thread: references with the first prompt; each earlier model turn as received, or (where
    that is not possible) its images as user parts before the next prompt."""
    contents: list[dict[str, Any]] = []
    pending = [inline(p) for p in refs]
    for turn, parts, images in zip(request.history, replays, carried, strict=True):
        contents.append({"role": "user", "parts": [*pending, {"text": turn.prompt_sent or turn.prompt}]})
        if parts is not None:
            contents.append({"role": "model", "parts": parts})
            pending = []
        else:
            contents.append(
                {"role": "model", "parts": [{"text": turn.reply_text or f"(the image of turn {turn.index})"}]}
            )
            pending = [inline(p) for p in images]
    contents.append({"role": "user", "parts": [*pending, {"text": request.prompt}]})
    return contents


class GeminiBase(NetworkProvider):
    """What Gemini's two doors share: the model id, the key header, the model lookup of --check."""

    accepted_mimes = GEMINI_MIMES
    sends_seed = True  # generationConfig.seed: "best effort", so honoured only where a profile says so
    # The generation method the model must list for --check to pass; None checks only that it exists.
    check_method: str | None = None
    api_headers: ClassVar[tuple[tuple[str, str], ...]] = ()  # sent with every request of the kind

    def __init__(self, name: str, profile: Profile, home: Home) -> None:
        super().__init__(name, profile, home)
        if not _MODEL_RE.match(self.model_id):
            raise ConfigError(
                f"Provider {name!r}: model {profile.model!r} is not a Gemini model id "
                "(letters, digits, '.', '-', '_')."
            )

    @property
    def model_id(self) -> str:
        return self.model.strip().removeprefix("models/")

    def _headers(self, key: str) -> Any:  # the SDK's RequestOptions
        from openai import omit

        # The SDK would send the key as a bearer token, which Google refuses; only x-goog-api-key is sent.
        headers = {"x-goog-api-key": key, "Authorization": omit, **dict(self.api_headers)}
        return {"headers": headers, "security": {}}

    def _check(self, wire: Wire, key: str) -> str:
        import httpx2

        response = wire.client.get(
            f"v1beta/models/{self.model_id}", cast_to=httpx2.Response, options=self._headers(key)
        )
        doc = load_json(response.content, self.service)
        shown = doc.get("displayName") if isinstance(doc, dict) else None
        methods = doc.get("supportedGenerationMethods") if isinstance(doc, dict) else None
        if self.check_method and isinstance(methods, list) and self.check_method not in methods:
            raise ProviderError(
                f"{self.service}: the key works, but model {self.model_id!r} does not offer "
                f"{self.check_method}."
            )
        named = f" ({shown})" if isinstance(shown, str) and shown else ""
        return f"{self.service}: reached, the key works, and model {self.model_id!r}{named} is available."


class GeminiProvider(GeminiBase):
    kind = "gemini"
    check_method = "generateContent"

    def generation_config(self, request: GenerationRequest) -> dict[str, Any]:
        ratio, size = self.ratio_and_size(request)
        image_config = {"aspectRatio": ratio, **({"imageSize": size} if size else {})}
        config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config}
        seed = self.seed(request)
        if seed is not None:
            config["seed"] = seed
        return config

    def _body(self, request: GenerationRequest, contents: list[dict[str, Any]]) -> dict[str, Any]:
        return deep_merge(
            {"contents": contents, "generationConfig": self.generation_config(request)},
            self.profile.extra_body,
        )

    def plan(self, request: GenerationRequest) -> tuple[dict[str, Any], list[Prepared], str]:
        """The body to send, the images as sent, and a notice if the thread had to be condensed."""
        history = request.history
        replays = [replay_parts(t.provider_state.get("model_parts"), t.images) for t in history]
        inputs = [(img, "reference") for img in request.references]
        for i, (turn, parts) in enumerate(zip(history, replays, strict=True)):
            if parts is None:
                inputs += [(img, "last" if i == len(history) - 1 else "history") for img in turn.images]
        empty: list[list[Prepared]] = [[] for _ in history]
        fixed = body_bytes(self._body(request, build_contents(request, [], replays, empty)))
        try:
            prepared = self.fit(inputs, fixed, request)
        except ProviderError:
            if not history:
                raise
            return self._condensed(request, history[-1])
        refs, rest = prepared[: len(request.references)], iter(prepared[len(request.references) :])
        carried = [
            [next(rest) for _ in t.images] if parts is None else []
            for t, parts in zip(history, replays, strict=True)
        ]
        return self._body(request, build_contents(request, refs, replays, carried)), prepared, ""

    def _condensed(
        self, request: GenerationRequest, last: HistoryTurn
    ) -> tuple[dict[str, Any], list[Prepared], str]:
        def body(images: list[Prepared]) -> dict[str, Any]:
            parts = [inline(p) for p in images]
            return self._body(request, [{"role": "user", "parts": [*parts, {"text": request.prompt}]}])

        inputs = [(img, "reference") for img in request.references] + [(img, "last") for img in last.images]
        prepared = self.fit(inputs, body_bytes(body([])), request)
        return body(prepared), prepared, CONDENSED_NOTICE

    def _generate(self, wire: Wire, request: GenerationRequest, key: str) -> GenerationResult:
        import httpx2

        body, prepared, notice = self.plan(request)
        response = wire.client.post(
            f"v1beta/models/{self.model_id}:generateContent",
            body=body,
            cast_to=httpx2.Response,
            options=self._headers(key),
        )
        answer = parse_gemini(load_json(response.content, self.service), self.service)
        info = request_info(
            prepared,
            budget_bytes=self.budget_bytes(),
            bytes_sent=body_bytes(body),
            endpoint="generateContent",
            turns_sent=len(body["contents"]),
            notice=notice,
        )
        return self.finish(wire, answer, request_info=info, text_prefix=notice)

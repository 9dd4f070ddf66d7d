"""Kind ``openai-chat``: chat.completions with image parts, for gateways and OpenRouter.

Each earlier turn's images are carried back as ``image_url`` parts of the user message that follows
it (every OpenAI-compatible validator accepts images there), so "make the scarf blue" edits the
last picture rather than the text describing it.
"""

from __future__ import annotations

import base64
from typing import Any, cast

from session_tui.providers.base import GenerationRequest, GenerationResult, InputImage
from session_tui.providers.budget import Prepared, request_info
from session_tui.providers.network import OpenAIProvider, body_bytes, deep_merge
from session_tui.providers.parsers import load_json, parse_chat
from session_tui.providers.sdk import Wire


def data_url(p: Prepared) -> str:
    return f"data:{p.mime};base64,{base64.b64encode(p.data).decode('ascii')}"


def image_part(p: Prepared) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": data_url(p)}}


def build_messages(
    request: GenerationRequest, refs: list[Prepared], carried: list[list[Prepared]]
) -> list[dict[str, Any]]:
    """The conversation: references with the first prompt, each turn's images before the next prompt."""
    messages: list[dict[str, Any]] = []
    pending = [image_part(p) for p in refs]
    for turn, images in zip(request.history, carried, strict=True):
        messages.append(
            {"role": "user", "content": [*pending, {"type": "text", "text": turn.prompt_sent or turn.prompt}]}
        )
        messages.append(
            {"role": "assistant", "content": turn.reply_text or f"(the image of turn {turn.index})"}
        )
        pending = [image_part(p) for p in images]
    messages.append({"role": "user", "content": [*pending, {"type": "text", "text": request.prompt}]})
    return messages


def input_images(request: GenerationRequest) -> list[tuple[InputImage, str]]:
    """References, then every earlier turn's images; the last turn's are the ones being edited."""
    inputs = [(img, "reference") for img in request.references]
    for i, turn in enumerate(request.history):
        role = "last" if i == len(request.history) - 1 else "history"
        inputs += [(img, role) for img in turn.images]
    return inputs


# OpenRouter's image_config spells Gemini's smallest size "0.5K"; it refuses "512".
OPENROUTER_SIZES = {"512": "0.5K"}


class OpenAIChatProvider(OpenAIProvider):
    kind = "openai-chat"
    sends_seed = True  # chat completions has a seed field, for a model that honours it

    def modalities(self) -> list[str]:
        """What to ask for: the profile's list, else the family's (image-only models answer a request
        for ["image", "text"] with 404 "No endpoints found that support the requested output modalities")."""
        return list(self.profile.modalities or self.family.output_modalities)

    def extra_body(self, request: GenerationRequest) -> dict[str, Any]:
        ratio, size = self.ratio_and_size(request)
        config: dict[str, Any] = {"aspect_ratio": ratio}
        if size:
            config["image_size"] = OPENROUTER_SIZES.get(size, size)
        body: dict[str, Any] = {"modalities": self.modalities(), "image_config": config}
        seed = self.seed(request)
        if seed is not None:
            body["seed"] = seed
        return deep_merge(body, self.profile.extra_body)

    def _generate(self, wire: Wire, request: GenerationRequest, key: str) -> GenerationResult:
        extra = self.extra_body(request)
        empty: list[list[Prepared]] = [[] for _ in request.history]
        skeleton = {"model": self.model, "messages": build_messages(request, [], empty), **extra}
        prepared = self.fit(input_images(request), body_bytes(skeleton), request)
        refs, rest = prepared[: len(request.references)], iter(prepared[len(request.references) :])
        carried = [[next(rest) for _ in turn.images] for turn in request.history]
        messages = build_messages(request, refs, carried)
        raw = wire.client.chat.completions.with_raw_response.create(
            model=self.model, messages=cast(Any, messages), extra_body=extra
        )
        answer = parse_chat(load_json(raw.content, self.service), self.service)
        sent = body_bytes({"model": self.model, "messages": messages, **extra})
        return self.finish(
            wire,
            answer,
            request_info=request_info(
                prepared, budget_bytes=self.budget_bytes(), bytes_sent=sent, endpoint="chat.completions"
            ),
        )

"""Kind ``openai-images``: images.generate when there is nothing to show the model, images.edit otherwise.

An edit sends the last result first (the image being changed), then the references, within the
model's input limit. Gemini's OpenAI-compatible endpoint documents generate only, so a turn there
that needs input images is refused with a sentence saying so, before anything is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from session_tui.domain.wording import plural
from session_tui.errors import ProviderError
from session_tui.media.images import EXT_BY_MIME
from session_tui.providers.base import GenerationRequest, GenerationResult, InputImage
from session_tui.providers.budget import OPENAI_MIMES, request_info
from session_tui.providers.catalog import (
    GPT_IMAGE_EDIT_INPUTS,
    GPT_IMAGE_SIZES,
    free_size,
    is_gemini_openai_compat,
)
from session_tui.providers.network import OpenAIProvider, body_bytes, deep_merge
from session_tui.providers.parsers import load_json, parse_images
from session_tui.providers.sdk import Wire

if TYPE_CHECKING:
    from session_tui.providers.catalog import Family


def openai_size(fam: Family, model: str, request: GenerationRequest) -> str:
    """The ``size`` an OpenAI image model is asked for: gpt-image-2 any WIDTHxHEIGHT made from the
    ratio and size asked for, the earlier models one of their three shapes (named by ratio)."""
    ratio = request.params.aspect_ratio
    if fam.free_size:
        try:
            return free_size(ratio, request.params.image_size)
        except ValueError as exc:
            raise ProviderError(f"Model {model!r} cannot draw this: {exc}.") from None
    return GPT_IMAGE_SIZES.get(ratio, "auto")


def edit_inputs(request: GenerationRequest) -> list[tuple[InputImage, str]]:
    """The last result (the first image of the last turn), then the references."""
    last = request.history[-1].images[:1] if request.history else []
    return [(img, "last") for img in last] + [(img, "reference") for img in request.references]


class OpenAIImagesProvider(OpenAIProvider):
    kind = "openai-images"
    accepted_mimes = OPENAI_MIMES[:3]  # png, jpeg, webp

    @property
    def gemini_compat(self) -> bool:
        return is_gemini_openai_compat(self.profile.base_url, self.model)

    def options(self, request: GenerationRequest) -> dict[str, Any]:
        """Size and format fields for the model family, plus the profile's extra_body."""
        ratio, size = self.ratio_and_size(request)
        if self.gemini_compat:
            # Where Gemini reads these extras is not documented; it ignores fields it does not know,
            # so both nestings seen in the wild are sent.
            config = {"aspect_ratio": ratio, **({"image_size": size} if size else {})}
            extra = {**config, "extra_body": {"google": {"image_config": config}}}
            return {"response_format": "b64_json", "extra_body": deep_merge(extra, self.profile.extra_body)}
        fields: dict[str, Any] = {"size": openai_size(self.family, self.model, request)}
        if not self.family.key.startswith("gpt-image"):
            fields["response_format"] = "b64_json"  # GPT Image models always answer base64 and reject it
        if self.profile.extra_body:
            fields["extra_body"] = dict(self.profile.extra_body)
        return fields

    def _generate(self, wire: Wire, request: GenerationRequest, key: str) -> GenerationResult:
        inputs = edit_inputs(request)
        if inputs and self.gemini_compat:
            raise ProviderError(
                f"{self.service} is Gemini's OpenAI-compatible endpoint, which only generates images from "
                f"text; this turn needs {plural(len(inputs), 'input image')} (the last image or references), "
                'so use a profile of kind "gemini" to edit.'
            )
        if len(inputs) > GPT_IMAGE_EDIT_INPUTS:
            raise ProviderError(
                f"images.edit takes at most {GPT_IMAGE_EDIT_INPUTS} input images; this turn has "
                f"{len(inputs)} (the last image and {len(request.references)} references)."
            )
        fields = self.options(request)
        shown = {k: v for k, v in fields.items() if k != "extra_body"}
        fixed = body_bytes(
            {"model": self.model, "prompt": request.prompt, **shown, **fields.get("extra_body", {})}
        )
        if not inputs:
            raw = wire.client.images.with_raw_response.generate(
                model=self.model, prompt=request.prompt, n=1, **fields
            )
            prepared, endpoint = [], "images.generate"
        else:
            prepared = self.fit(inputs, fixed, request, as_base64=False)
            files = [
                (f"image-{i}{EXT_BY_MIME.get(p.mime, '.png')}", p.data, p.mime)
                for i, p in enumerate(prepared, 1)
            ]
            raw = wire.client.images.with_raw_response.edit(
                model=self.model, prompt=request.prompt, image=files, n=1, **fields
            )
            endpoint = "images.edit"
        answer = parse_images(load_json(raw.content, self.service), self.service)
        answer.state = {"endpoint": endpoint, **({"size": fields["size"]} if "size" in fields else {})}
        sent = fixed + sum(len(p.data) for p in prepared)
        return self.finish(
            wire,
            answer,
            request_info=request_info(
                prepared,
                budget_bytes=self.budget_bytes(),
                bytes_sent=sent,
                endpoint=endpoint,
                size=fields.get("size"),
            ),
        )

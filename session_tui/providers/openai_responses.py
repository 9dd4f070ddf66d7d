"""Kind ``openai-responses``: the Responses API with the ``image_generation`` tool.

Turns continue one server-side thread through ``previous_response_id``, stored on each turn so a
resumed session picks the thread up again. When the service refuses the id (responses expire), or
the earlier turns were not made here, the last image is sent as an input image instead, and the
turn says so.
"""

from __future__ import annotations

from typing import Any

from session_tui.providers.base import GenerationRequest, GenerationResult, InputImage
from session_tui.providers.budget import request_info
from session_tui.providers.errors import error_details
from session_tui.providers.network import OpenAIProvider, body_bytes, deep_merge
from session_tui.providers.openai_chat import data_url
from session_tui.providers.openai_images import openai_size
from session_tui.providers.parsers import load_json, parse_responses
from session_tui.providers.sdk import Wire

EXPIRED_NOTICE = (
    "The earlier response thread ({id}) was refused (it may have expired), so the last image was "
    "sent again as input."
)
NO_THREAD_NOTICE = (
    "The earlier turns have no Responses thread to continue, so the last image was sent as input."
)


def refused_previous(exc: Exception) -> bool:
    """Whether an SDK error is the service refusing ``previous_response_id``."""
    import openai

    if not isinstance(exc, (openai.BadRequestError, openai.NotFoundError)):
        return False
    d = error_details(exc.body)
    text = f"{d.param} {d.code} {d.message}".lower()
    return "previous_response" in text or "previous response" in text


class OpenAIResponsesProvider(OpenAIProvider):
    kind = "openai-responses"

    @property
    def catalog_model(self) -> str:
        """The image model the tool draws with (the tool's ``model`` option), else the profile's model:
        its family says which sizes the tool takes."""
        chosen = self.profile.tool_options.get("model")
        return chosen if isinstance(chosen, str) and chosen.strip() else self.model

    def tool(self, request: GenerationRequest) -> dict[str, Any]:
        """The image_generation tool: the size for the image model, then the profile's tool_options
        (quality, input_fidelity, background, output_format, partial_images, moderation, …)."""
        size = openai_size(self.family, self.catalog_model, request)
        return deep_merge({"type": "image_generation", "size": size}, self.profile.tool_options)

    def _generate(self, wire: Wire, request: GenerationRequest, key: str) -> GenerationResult:
        import openai

        previous = str(request.history[-1].provider_state.get("response_id") or "") if request.history else ""
        if previous:
            try:
                return self._call(wire, request, previous, [], "")
            except openai.APIStatusError as exc:
                if not refused_previous(exc):
                    raise
            notice = EXPIRED_NOTICE.format(id=previous)
        else:
            notice = NO_THREAD_NOTICE if request.history else ""
        last = request.history[-1].images if request.history else []
        inputs = [(img, "last") for img in last] + [(img, "reference") for img in request.references]
        return self._call(wire, request, "", inputs, notice)

    def _call(
        self,
        wire: Wire,
        request: GenerationRequest,
        previous: str,
        inputs: list[tuple[InputImage, str]],
        notice: str,
    ) -> GenerationResult:
        def body(images: list[dict[str, Any]]) -> dict[str, Any]:
            content = [{"type": "input_text", "text": request.prompt}, *images]
            doc: dict[str, Any] = {
                "model": self.model,
                "input": [{"role": "user", "content": content}],
                "tools": [tool],
                "tool_choice": {"type": "image_generation"},
            }
            if previous:
                doc["previous_response_id"] = previous
            return doc

        tool = self.tool(request)
        prepared = self.fit(inputs, body_bytes({**body([]), **self.profile.extra_body}), request)
        doc = body([{"type": "input_image", "image_url": data_url(p)} for p in prepared])
        extra = dict(self.profile.extra_body) or None
        raw = wire.client.responses.with_raw_response.create(**doc, extra_body=extra)
        answer = parse_responses(load_json(raw.content, self.service), self.service)
        info = request_info(
            prepared,
            budget_bytes=self.budget_bytes(),
            bytes_sent=body_bytes({**doc, **(extra or {})}),
            endpoint="responses",
            previous_response_id=previous,
            size=tool.get("size"),
            notice=notice,
        )
        return self.finish(wire, answer, request_info=info, text_prefix=notice)

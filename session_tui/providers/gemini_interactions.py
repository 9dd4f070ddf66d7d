"""Kind ``gemini-interactions``: Gemini's Interactions API, which Google recommends for new work.

``POST {root}/v1beta/interactions`` creates an interaction: the prompt and images as content items,
the image options in ``response_format`` (``generation_config.image_config`` is deprecated), and
``store`` true so the service keeps the thread. The answer's ``steps`` hold the picture. Later turns
send only the new prompt with ``previous_interaction_id``, stored on each turn; when the service
refuses that id (expired, unknown, or stored under another key), the newest image is sent inline
instead and the turn says so. Errors use string codes (``not_found``); they read like the others.
"""

from __future__ import annotations

import base64
from typing import Any

from session_tui.providers.base import GenerationRequest, GenerationResult, InputImage
from session_tui.providers.budget import Prepared, request_info
from session_tui.providers.errors import clip, error_details
from session_tui.providers.gemini import GeminiBase
from session_tui.providers.network import body_bytes, deep_merge
from session_tui.providers.parsers import load_json, parse_interaction
from session_tui.providers.sdk import Wire

# The schema revision the request and answer shapes here follow (steps, response_format).
API_REVISION = "2026-05-20"
ENDPOINT = "v1beta/interactions"
EXPIRED_NOTICE = (
    "The earlier interaction ({id}) was refused ({why}), so the newest image was sent again as input."
)
NO_THREAD_NOTICE = "The earlier turns have no interaction to continue, so the newest image was sent as input."


def image_item(p: Prepared) -> dict[str, Any]:
    return {"type": "image", "data": base64.b64encode(p.data).decode("ascii"), "mime_type": p.mime}


def refused_interaction(exc: Exception) -> str:
    """Why the service refused ``previous_interaction_id`` (a short phrase), or "" if it did not.

    An unknown or expired id is a 404; one stored under another key or project may be a 403 or 400
    naming the interaction. A 404 that was really about the model comes back on the retry, which
    then says so."""
    import openai

    if not isinstance(exc, openai.APIStatusError):
        return ""
    d = error_details(exc.body)
    if exc.status_code == 404:
        return clip(d.message or d.code or "not found", 120)
    text = f"{d.param} {d.message}".lower()
    if exc.status_code in (400, 403) and "interaction" in text:
        return clip(d.message, 120)
    return ""


class GeminiInteractionsProvider(GeminiBase):
    kind = "gemini-interactions"
    api_headers = (("Api-Revision", API_REVISION),)

    def response_format(self, request: GenerationRequest) -> dict[str, Any]:
        ratio, size = self.ratio_and_size(request)
        return {"type": "image", "aspect_ratio": ratio, **({"image_size": size} if size else {})}

    def _body(self, request: GenerationRequest, previous: str, images: list[Prepared]) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "model": self.model_id,
            "input": [{"type": "text", "text": request.prompt}, *(image_item(p) for p in images)],
            "response_format": self.response_format(request),
            "store": True,  # the service keeps the thread, so the next turn sends only its prompt
        }
        if previous:
            doc["previous_interaction_id"] = previous
        seed = self.seed(request)
        if seed is not None:
            doc["generation_config"] = {"seed": seed}
        return deep_merge(doc, self.profile.extra_body)

    def _generate(self, wire: Wire, request: GenerationRequest, key: str) -> GenerationResult:
        import openai

        last = request.history[-1] if request.history else None
        previous = str(last.provider_state.get("interaction_id") or "") if last else ""
        if previous:
            try:
                return self._call(wire, request, key, previous, [], "")
            except openai.APIStatusError as exc:
                why = refused_interaction(exc)
                if not why:
                    raise
            notice = EXPIRED_NOTICE.format(id=previous, why=why)
        else:
            notice = NO_THREAD_NOTICE if last else ""
        inputs = [(img, "last") for img in (last.images if last else [])]
        inputs += [(img, "reference") for img in request.references]
        return self._call(wire, request, key, "", inputs, notice)

    def _call(
        self,
        wire: Wire,
        request: GenerationRequest,
        key: str,
        previous: str,
        inputs: list[tuple[InputImage, str]],
        notice: str,
    ) -> GenerationResult:
        import httpx2

        prepared = self.fit(inputs, body_bytes(self._body(request, previous, [])), request)
        body = self._body(request, previous, prepared)
        response = wire.client.post(ENDPOINT, body=body, cast_to=httpx2.Response, options=self._headers(key))
        answer = parse_interaction(load_json(response.content, self.service), self.service)
        info = request_info(
            prepared,
            budget_bytes=self.budget_bytes(),
            bytes_sent=body_bytes(body),
            endpoint="interactions",
            previous_interaction_id=previous,
            notice=notice,
        )
        return self.finish(wire, answer, request_info=info, text_prefix=notice)

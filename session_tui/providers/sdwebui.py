"""Kind ``sdwebui``: the AUTOMATIC1111 / Forge web UI API (``modules/api/api.py`` and ``models.py``).

A first turn without a reference is ``POST /sdapi/v1/txt2img``; a later turn (or a first one with a
reference) is ``POST /sdapi/v1/img2img`` with ``init_images`` (base64) and ``denoising_strength``.
Both carry ``prompt``, ``negative_prompt``, ``seed``, ``width``, ``height``, ``steps``,
``cfg_scale``, ``sampler_name`` where the profile sets them, and
``override_settings.sd_model_checkpoint`` from the profile's model. The answer is
``{"images": [base64…], "parameters": {…}, "info": "<a JSON string>"}``; the seed actually used is
read back from ``info``. A validation failure is FastAPI's 422 ``{"detail": [{"loc", "msg"}]}``;
other failures are ``{"error", "detail", "body", "errors"}``. Cancel sends ``POST /sdapi/v1/interrupt``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from session_tui.errors import Cancelled, ProviderError
from session_tui.providers.base import GenerationRequest, GenerationResult
from session_tui.providers.errors import clip
from session_tui.providers.parsers import checked_preview
from session_tui.providers.sd_common import (
    LocalSDProvider,
    choose_seed,
    input_image,
    pixel_size,
    status_error,
    unused_notice,
)


def detail_sentence(body: object) -> str:
    """A 422's ``detail`` (a list of ``{"loc", "msg"}`` or a string) or another error body, in one line."""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail")
    if isinstance(detail, list):
        parts = []
        for item in detail[:3]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc") or [] if p != "body")
                parts.append(f"{loc}: {item.get('msg')}" if loc else str(item.get("msg")))
        return clip("; ".join(parts))
    if isinstance(detail, str) and detail:
        return clip(detail)
    for key in ("errors", "error"):
        if isinstance(body.get(key), str) and body[key]:
            return clip(body[key])
    return ""


class SDWebUIProvider(LocalSDProvider):
    kind = "sdwebui"
    service_name = "Stable Diffusion web UI"
    default_url = "http://127.0.0.1:7860"

    def body(self, request: GenerationRequest, seed: int, init: bytes | None) -> dict[str, Any]:
        width, height = pixel_size(request.params.aspect_ratio, request.params.image_size)
        p = self.profile
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "negative_prompt": p.negative_prompt,
            "seed": seed,
            "width": width,
            "height": height,
            "batch_size": 1,
            "n_iter": 1,
            "override_settings": {"sd_model_checkpoint": self.model},
            "send_images": True,
            "save_images": False,
        }
        for key, value in (("steps", p.steps), ("cfg_scale", p.cfg), ("sampler_name", p.sampler)):
            if value is not None:
                body[key] = value
        if init is not None:
            body["init_images"] = [base64.b64encode(init).decode("ascii")]
            body["denoising_strength"] = self.denoise
        return body

    def generate(self, request: GenerationRequest) -> GenerationResult:
        seed = choose_seed(request.params)
        start, why, unused = input_image(request)
        init = start.data if start is not None else None
        endpoint = "/sdapi/v1/img2img" if init is not None else "/sdapi/v1/txt2img"
        body = self.body(request, seed, init)
        with self.client(request.cancel) as http:
            try:
                response = http.request("POST", endpoint, json=body)
            except (Cancelled, KeyboardInterrupt):
                http.fire("POST", "/sdapi/v1/interrupt")
                raise
        doc = _json(response)
        if response.status_code != 200:
            detail = detail_sentence(doc) or clip(response.text, 200)
            what = "the request" if response.status_code == 422 else endpoint
            raise status_error(self.service, response.status_code, what, detail)
        images, used = self._read(doc)
        mode = "img2img" if init is not None else "txt2img"
        said: list[str] = []
        if used is not None and used != seed:
            # What the server says it used is what reproduces the picture, so that is what is recorded.
            said.append(f"Note: the web UI reports seed {used}, not the {seed} it was sent.")
            seed = used
        width, height = body["width"], body["height"]
        said.insert(
            0, f"Stable Diffusion web UI {mode} (seed {seed}" + (f", from {why})." if start else ").")
        )
        if unused:
            said.append(unused_notice(unused, "The web UI"))
        return GenerationResult(
            images=images,
            text=" ".join(said),
            model=self.model,
            provider_state={"seed_used": seed, "mode": mode},
            request_info={
                "endpoint": endpoint,
                "mode": mode,
                "seed": seed,
                "width": width,
                "height": height,
                "input_images": 1 if init is not None else 0,
            },
            seed_honoured=True,
            previews=[checked_preview(data, self.service) for data in images],
        )

    def _read(self, doc: object) -> tuple[list[bytes], int | None]:
        if not isinstance(doc, dict):
            raise ProviderError(f"{self.service} answered with something that is not a JSON object.")
        raw = doc.get("images")
        if not isinstance(raw, list) or not raw:
            raise ProviderError(f"{self.service} answered without a picture.")
        images = []
        for item in raw[:1]:  # one picture a turn (batch_size 1); extras such as ControlNet maps are skipped
            if not isinstance(item, str):
                raise ProviderError(f"{self.service} sent a picture that is not base64 text.")
            try:
                images.append(base64.b64decode(item.split(",", 1)[-1], validate=True))
            except (binascii.Error, ValueError):
                raise ProviderError(f"{self.service} sent a picture that is not valid base64.") from None
        return images, _info_seed(doc.get("info"))

    def check(self) -> str:
        with self.client(None) as http:
            response = http.request("GET", "/sdapi/v1/sd-models")
        doc = _json(response)
        if response.status_code != 200 or not isinstance(doc, list):
            raise status_error(
                self.service, response.status_code, "/sdapi/v1/sd-models", detail_sentence(doc)
            )
        names = set()
        for item in doc:
            if isinstance(item, dict):
                names |= {str(item.get(k)) for k in ("title", "model_name") if item.get(k)}
                if item.get("filename"):
                    names.add(str(item["filename"]).replace("\\", "/").rsplit("/", 1)[-1])
        if self.model in names:
            return f"{self.service}: reached, and checkpoint {self.model!r} is installed."
        raise ProviderError(
            f"{self.service} was reached, but checkpoint {self.model!r} is not among the {len(doc)} "
            "it lists; "
            "set model to a title or file name from /sdapi/v1/sd-models."
        )


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _info_seed(info: object) -> int | None:
    """The seed in ``info``, a JSON string (``{"seed": 123, "all_seeds": [123], …}``)."""
    if isinstance(info, str):
        try:
            info = json.loads(info)
        except ValueError:
            return None
    if not isinstance(info, dict):
        return None
    seed = info.get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None

"""Kind ``comfyui``: a ComfyUI server's HTTP API (``server.py``), driven with a seed.

One turn: upload the starting picture if there is one (``POST /upload/image``, multipart field
``image``, answered ``{"name", "subfolder", "type"}``), queue the graph (``POST /prompt`` with
``{"prompt": graph, "client_id": …}``, answered ``{"prompt_id", "number", "node_errors"}`` or a 400
``{"error", "node_errors": {id: {"errors": [{"message", "details"}], "class_type"}}}``), poll
``GET /history/{prompt_id}`` (``{}`` until done, then ``{id: {"outputs", "status"}}``) and fetch
each saved picture with ``GET /view?filename=&subfolder=&type=``. Cancel sends ``POST /interrupt``
with the job's ``prompt_id`` and deletes it from the queue (``POST /queue {"delete": [id]}``).
``providers --check`` reads ``GET /object_info/CheckpointLoaderSimple`` for the checkpoint names.
"""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any

from session_tui.errors import Cancelled, ProviderError
from session_tui.providers.base import GenerationRequest, GenerationResult, InputImage
from session_tui.providers.comfy_graph import Drive, Graph, drive, load_workflow, template
from session_tui.providers.errors import clip
from session_tui.providers.parsers import checked_preview
from session_tui.providers.sd_common import (
    LocalClient,
    LocalSDProvider,
    choose_seed,
    input_image,
    pixel_size,
    status_error,
    unused_notice,
)

POLL_S = 0.25
_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


@functools.lru_cache(maxsize=1)
def client_id() -> str:
    """One ComfyUI ``client_id`` per process, as its own front end uses one per browser tab."""
    return uuid.uuid4().hex


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def node_error_sentence(body: object) -> str:
    """What a 400 from ``/prompt`` says, naming the node: ``node 4 (CheckpointLoaderSimple): …``."""
    doc = _dict(body)
    for node_id, info in _dict(doc.get("node_errors")).items():
        info = _dict(info)
        errors = info.get("errors") if isinstance(info.get("errors"), list) else []
        first = _dict(errors[0]) if errors else {}
        message = str(first.get("message") or "invalid")
        details = str(first.get("details") or "")
        said = f"{message}: {details}" if details else message
        return f"node {clip(str(node_id), 40)} ({clip(str(info.get('class_type') or '?'), 60)}): {clip(said)}"
    error = doc.get("error")
    if isinstance(error, dict):
        message, details = str(error.get("message") or ""), str(error.get("details") or "")
        return clip(f"{message}: {details}" if details else message)
    return clip(str(error)) if error else ""


class ComfyUIProvider(LocalSDProvider):
    kind = "comfyui"
    service_name = "ComfyUI"
    default_url = "http://127.0.0.1:8188"

    def graph_for(self, request: GenerationRequest, seed: int, image: str | None) -> tuple[Graph, list[str]]:
        source = load_workflow(self.profile.workflow) if self.profile.workflow else template()
        width, height = pixel_size(request.params.aspect_ratio, request.params.image_size)
        p = self.profile
        return drive(
            source,
            Drive(
                prompt=request.prompt,
                negative=p.negative_prompt,
                seed=seed,
                width=width,
                height=height,
                checkpoint=self.model,
                steps=p.steps,
                cfg=p.cfg,
                sampler=p.sampler,
                denoise=self.denoise if image is not None else None,
                image=image,
            ),
        )

    def generate(self, request: GenerationRequest) -> GenerationResult:
        seed = choose_seed(request.params)
        start, why, unused = input_image(request)
        if self.profile.workflow:
            self.graph_for(
                request, seed, "check.png" if start else None
            )  # a bad workflow fails before any upload
        with self.client(request.cancel) as http:
            name = self._upload(http, start) if start is not None else None
            graph, notes = self.graph_for(request, seed, name)
            prompt_id = self._submit(http, graph)
            try:
                entry = self._wait(http, prompt_id)
            except (Cancelled, KeyboardInterrupt):
                http.fire("POST", "/interrupt", json={"prompt_id": prompt_id})
                http.fire("POST", "/queue", json={"delete": [prompt_id]})
                raise
            images = [self._view(http, ref) for ref in _saved(entry)]
        if not images:
            raise ProviderError(f"{self.service} finished prompt {prompt_id} but saved no picture.")
        width, height = pixel_size(request.params.aspect_ratio, request.params.image_size)
        mode = "img2img" if name is not None else "txt2img"
        said = [f"ComfyUI {mode} (seed {seed}" + (f", from {why})" if start is not None else ")") + "."]
        said += [unused_notice(unused, "ComfyUI")] if unused else []
        said += [f"Note: {n}." for n in notes]
        return GenerationResult(
            images=images,
            text=" ".join(s for s in said if s),
            model=self.model,
            provider_state={"seed_used": seed, "prompt_id": prompt_id, "mode": mode},
            request_info={
                "endpoint": "/prompt",
                "mode": mode,
                "seed": seed,
                "width": width,
                "height": height,
                "input_images": 1 if name is not None else 0,
                "workflow": self.profile.workflow or "built-in template",
            },
            seed_honoured=True,
            previews=[checked_preview(data, self.service) for data in images],
        )

    # -- the steps of a turn --------------------------------------------------------------------
    def _upload(self, http: LocalClient, image: InputImage) -> str:
        filename = f"session-tui-{image.sha256[:16]}.{_EXT.get(image.mime, 'png')}"
        response = http.request(
            "POST",
            "/upload/image",
            files={"image": (filename, image.data, image.mime)},
            data={"overwrite": "true", "type": "input"},
        )
        if response.status_code != 200:
            raise status_error(self.service, response.status_code, "the starting picture", response.text)
        doc = _dict(_json(response))
        name, subfolder = doc.get("name"), doc.get("subfolder") or ""
        if not isinstance(name, str) or not name:
            raise ProviderError(f"{self.service} accepted the starting picture but did not say its name.")
        return f"{subfolder}/{name}" if isinstance(subfolder, str) and subfolder else name

    def _submit(self, http: LocalClient, graph: Graph) -> str:
        response = http.request("POST", "/prompt", json={"prompt": graph, "client_id": client_id()})
        if response.status_code == 400:
            said = node_error_sentence(_json(response))
            raise ProviderError(f"{self.service} refused the workflow" + (f": {said}." if said else "."))
        if response.status_code != 200:
            raise status_error(self.service, response.status_code, "the workflow", response.text)
        prompt_id = _dict(_json(response)).get("prompt_id")
        if not isinstance(prompt_id, str) or not prompt_id:
            raise ProviderError(f"{self.service} queued the workflow but gave no prompt_id.")
        return prompt_id

    def _wait(self, http: LocalClient, prompt_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.profile.timeout_s
        while True:
            response = http.request("GET", f"/history/{prompt_id}")
            entry = _dict(_dict(_json(response)).get(prompt_id)) if response.status_code == 200 else {}
            if entry:
                status = _dict(entry.get("status"))
                if status.get("status_str") == "error":
                    raise ProviderError(f"{self.service} failed: {_execution_error(status)}.")
                if status.get("completed", True) or entry.get("outputs"):
                    return entry
            if time.monotonic() >= deadline:
                raise ProviderError(
                    f"{self.service} did not finish prompt {prompt_id} within {self.profile.timeout_s:g} s; "
                    "it may still be running in ComfyUI's queue; raise timeout_s in the profile.",
                    retryable=True,
                )
            if http.cancel.wait(POLL_S):
                raise Cancelled("The turn was cancelled; the prompt is kept.")

    def _view(self, http: LocalClient, ref: dict[str, str]) -> bytes:
        response = http.request("GET", "/view", params=ref)
        if response.status_code != 200:
            raise status_error(self.service, response.status_code, f"to send {ref['filename']!r}", "")
        data: bytes = response.content
        return data

    # -- providers --check ----------------------------------------------------------------------
    def check(self) -> str:
        with self.client(None) as http:
            response = http.request("GET", "/object_info/CheckpointLoaderSimple")
        if response.status_code != 200:
            raise status_error(self.service, response.status_code, "/object_info", response.text)
        names = _ckpt_names(_json(response))
        if self.profile.workflow:
            load_workflow(self.profile.workflow)  # says what is wrong with it now rather than on a send
        if self.model in names:
            return f"{self.service}: reached, and checkpoint {self.model!r} is installed."
        raise ProviderError(
            f"{self.service} was reached, but checkpoint {self.model!r} is not among the {len(names)} it "
            "has; set model to one of its files in models/checkpoints."
        )


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _execution_error(status: dict[str, Any]) -> str:
    raw = status.get("messages")
    messages: list[Any] = raw if isinstance(raw, list) else []
    for item in messages:
        if (
            isinstance(item, list)
            and len(item) == 2
            and item[0] in ("execution_error", "execution_interrupted")
        ):
            data = _dict(item[1])
            where = (
                f"node {clip(str(data.get('node_id')), 40)} ({clip(str(data.get('node_type') or '?'), 60)})"
            )
            if item[0] == "execution_interrupted":
                return f"the job was interrupted at {where}"
            return f"{where}: {clip(str(data.get('exception_message') or 'an error'))}"
    return "the job ended with an error"


def _saved(entry: dict[str, Any]) -> list[dict[str, str]]:
    """The pictures of a finished job, saved ones (type ``output``) first, in node order."""
    found: list[dict[str, str]] = []
    for _, out in sorted(_dict(entry.get("outputs")).items(), key=lambda kv: str(kv[0]).zfill(8)):
        for item in _dict(out).get("images") or []:
            item = _dict(item)
            name = item.get("filename")
            if isinstance(name, str) and name.lower().endswith((".png", ".jpg", ".jpeg", ".webp")):
                found.append(
                    {
                        "filename": name,
                        "subfolder": str(item.get("subfolder") or ""),
                        "type": str(item.get("type") or "output"),
                    }
                )
    saved = [f for f in found if f["type"] == "output"]
    return saved or found


def _ckpt_names(doc: object) -> list[str]:
    """``ckpt_name``'s choices: ``[[names…]]`` or, in newer servers, ``["COMBO", {"options": […]}]``."""
    spec = _dict(_dict(_dict(_dict(doc).get("CheckpointLoaderSimple")).get("input")).get("required"))
    value = spec.get("ckpt_name")
    if isinstance(value, list) and value:
        if isinstance(value[0], list):
            return [str(v) for v in value[0]]
        if len(value) > 1 and isinstance(value[1], dict) and isinstance(value[1].get("options"), list):
            return [str(v) for v in value[1]["options"]]
    return []

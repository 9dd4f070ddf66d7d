"""Loopback stand-ins for ComfyUI and the AUTOMATIC1111 web UI, replaying their documented shapes.

Both draw deterministically: the picture is a function of the prompt, the seed, the size and the
starting picture only, so the same seed gives the same bytes (as a seeded Stable Diffusion does on
one machine). Every request is recorded for the tests to look at.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import io
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageDraw

CHECKPOINT = "sdxl_base.safetensors"


def draw(prompt: str, seed: int, width: int, height: int, start: bytes = b"") -> bytes:
    """A deterministic picture: the same inputs always give the same PNG bytes."""
    digest = hashlib.sha256(json.dumps([prompt, seed, width, height]).encode() + start).digest()
    img = Image.new("RGB", (width, height), (digest[0], digest[1], digest[2]))
    pen = ImageDraw.Draw(img)
    x, y = digest[3] * width // 512, digest[4] * height // 512
    pen.rectangle([x, y, x + width // 3, y + height // 3], fill=(digest[5], digest[6], digest[7]))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1 whose routes are the subclass's ``route`` method."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def seen(self, method: str, path: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def route(self, req: Seen) -> tuple[int, Any]:
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                req = Seen(
                    self.command, parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body
                )
                server.requests.append(req)
                status, payload = server.route(req)
                if payload is None:  # hang until released (the test's cancel or its end)
                    server.release.wait(30)
                    self.close_connection = True
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                kind = "image/png" if isinstance(payload, bytes) else "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def multipart(req: Seen) -> dict[str, tuple[str | None, bytes]]:
    raw = f"Content-Type: {req.headers['content-type']}\r\n\r\n".encode() + req.body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    out: dict[str, tuple[str | None, bytes]] = {}
    for part in msg.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        out[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return out


class FakeComfy(FakeServer):
    """``/upload/image``, ``/prompt``, ``/history/{id}``, ``/view``, ``/object_info``, ``/interrupt``."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}
        self.history: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.prompt_error: tuple[int, Any] | None = None  # answer /prompt with this
        self.run_error: dict[str, Any] | None = None  # an execution_error in the history
        self.never_finish = False
        self.polls_before_done = 2
        self.count = 0

    def prompts(self) -> list[dict[str, Any]]:
        return [r.json["prompt"] for r in self.seen("POST", "/prompt")]

    def route(self, req: Seen) -> tuple[int, Any]:
        if req.method == "POST" and req.path == "/upload/image":
            form = multipart(req)
            filename, data = form["image"]
            assert filename
            self.uploads[filename] = data
            return 200, {
                "name": filename,
                "subfolder": "",
                "type": form.get("type", (None, b"input"))[1].decode(),
            }
        if req.method == "POST" and req.path == "/prompt":
            return self._prompt(req.json)
        if req.method == "GET" and req.path.startswith("/history/"):
            prompt_id = req.path.rsplit("/", 1)[1]
            self.polls[prompt_id] = self.polls.get(prompt_id, 0) + 1
            if self.never_finish or prompt_id not in self.history:
                return 200, {}
            if self.polls[prompt_id] < self.polls_before_done:
                return 200, {}
            return 200, {prompt_id: self.history[prompt_id]}
        if req.method == "GET" and req.path == "/view":
            data = self.files.get(req.query.get("filename", ""))
            return (200, data) if data is not None else (404, {})
        if req.method == "GET" and req.path == "/object_info/CheckpointLoaderSimple":
            names = [CHECKPOINT, "sd15.safetensors"]
            return 200, {"CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [names, {}]}}}}
        if req.method == "POST" and req.path in ("/interrupt", "/queue"):
            return 200, {}
        return 404, {"error": "not found"}

    def _prompt(self, body: dict[str, Any]) -> tuple[int, Any]:
        if self.prompt_error is not None:
            return self.prompt_error
        graph = body["prompt"]
        sampler = next(n["inputs"] for n in graph.values() if n["class_type"] == "KSampler")
        positive = graph[sampler["positive"][0]]["inputs"]["text"]
        latent = graph[sampler["latent_image"][0]]
        if latent["class_type"] == "VAEEncode":
            start = self.uploads[graph[latent["inputs"]["pixels"][0]]["inputs"]["image"]]
            with Image.open(io.BytesIO(start)) as img:
                width, height = img.size
        else:
            start, width, height = b"", latent["inputs"]["width"], latent["inputs"]["height"]
        self.count += 1
        prompt_id = f"00000000-0000-4000-8000-{self.count:012d}"
        filename = f"ComfyUI_{self.count:05d}_.png"
        self.files[filename] = draw(positive, sampler["seed"], width, height, start)
        save = next(k for k, n in graph.items() if n["class_type"] == "SaveImage")
        status: dict[str, Any] = {"status_str": "success", "completed": True, "messages": []}
        if self.run_error is not None:
            status = {
                "status_str": "error",
                "completed": False,
                "messages": [["execution_error", self.run_error]],
            }
        self.history[prompt_id] = {
            "prompt": [self.count, prompt_id, graph, {"client_id": body.get("client_id")}, [save]],
            "outputs": {}
            if self.run_error
            else {save: {"images": [{"filename": filename, "subfolder": "", "type": "output"}]}},
            "status": status,
        }
        return 200, {"prompt_id": prompt_id, "number": self.count, "node_errors": {}}


class FakeWebUI(FakeServer):
    """``/sdapi/v1/txt2img``, ``/img2img``, ``/sd-models``, ``/interrupt``."""

    def __init__(self) -> None:
        super().__init__()
        self.error: tuple[int, Any] | None = None
        self.hang = False

    def bodies(self) -> list[tuple[str, dict[str, Any]]]:
        return [(r.path, r.json) for r in self.requests if r.path.endswith(("txt2img", "img2img"))]

    def route(self, req: Seen) -> tuple[int, Any]:
        if req.method == "POST" and req.path in ("/sdapi/v1/txt2img", "/sdapi/v1/img2img"):
            if self.error is not None:
                return self.error
            if self.hang:
                return 200, None
            body = req.json
            start = base64.b64decode(body["init_images"][0]) if req.path.endswith("img2img") else b""
            seed = body["seed"]
            picture = draw(body["prompt"], seed, body["width"], body["height"], start)
            info = {"prompt": body["prompt"], "seed": seed, "all_seeds": [seed], "width": body["width"]}
            params = {k: v for k, v in body.items() if k != "init_images"}
            return 200, {
                "images": [base64.b64encode(picture).decode()],
                "parameters": params,
                "info": json.dumps(info),
            }
        if req.method == "GET" and req.path == "/sdapi/v1/sd-models":
            return 200, [
                {
                    "title": f"{CHECKPOINT} [31e35c80fc]",
                    "model_name": CHECKPOINT.rsplit(".", 1)[0],
                    "hash": "31e35c80fc",
                    "sha256": "31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b",
                    "filename": f"/sd/models/Stable-diffusion/{CHECKPOINT}",
                    "config": None,
                }
            ]
        if req.method == "POST" and req.path == "/sdapi/v1/interrupt":
            self.release.set()
            return 200, {}
        return 404, {"detail": "Not Found"}

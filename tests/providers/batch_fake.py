"""A loopback Gemini for series at scale: latency, a concurrency limit answered with 429, Batch Mode.

A real HTTP server on 127.0.0.1 (nothing here touches the internet) that replays the shapes Google
documents (ai.google.dev batch guide, python-genai ``batches.py``):

- ``POST /v1beta/models/{m}:generateContent``: waits ``latency_s``, answers a picture; while
  ``limit`` requests are already in flight it answers 429 ``RESOURCE_EXHAUSTED`` with a
  ``google.rpc.RetryInfo`` detail (and no Retry-After header, as Gemini does).
- ``POST /v1beta/models/{m}:batchGenerateContent`` (inline requests or ``input_config.file_name``),
  ``GET /v1beta/batches/{id}`` (``BATCH_STATE_*``; done after ``polls_to_finish`` reads),
  ``POST /v1beta/batches/{id}:cancel``.
- The Files API: resumable ``POST /upload/v1beta/files`` and ``GET /download/v1beta/{file}:download``.

A request whose text contains ``FAIL`` fails inside a batch (and with 400 interactively).
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"


def picture(n: int) -> str:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), ((n * 37) % 256, 120, 200)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def answer(n: int) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": f"Scene {n}."},
                        {"inlineData": {"mimeType": "image/png", "data": picture(n)}},
                    ],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 300, "candidatesTokenCount": 1120, "totalTokenCount": 1420},
        "modelVersion": "gemini-3-pro-image",
    }


def _text(request: dict[str, Any]) -> str:
    return json.dumps(request.get("contents", []))


@dataclass
class Batch:
    name: str
    display_name: str
    requests: list[dict[str, Any]]  # {"key", "request"}
    from_file: bool
    polls: int = 0
    state: str = "PENDING"


@dataclass
class BatchFake:
    latency_s: float = 0.0
    limit: int = 1000  # requests in flight beyond this are answered 429
    limited_first: int | None = None  # only the first N requests are held to ``limit`` (one burst)
    received: int = 0
    retry_delay: str = "0.2s"
    polls_to_finish: int = 2
    expire: bool = False  # the next batch to finish expires instead
    in_flight: int = 0
    peak_in_flight: int = 0
    generated: int = 0
    rate_limited: int = 0
    submissions: list[Batch] = field(default_factory=list)
    cancels: int = 0
    uploads: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.server.request_queue_size = 128
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> BatchFake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the routes -------------------------------------------------------------------------------
    def generate(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.received += 1
            held = self.limited_first is None or self.received <= self.limited_first
            if held and self.in_flight >= self.limit:
                self.rate_limited += 1
                return (
                    429,
                    {
                        "error": {
                            "code": 429,
                            "message": "Resource has been exhausted (e.g. check quota).",
                            "status": "RESOURCE_EXHAUSTED",
                            "details": [
                                {
                                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                                    "retryDelay": self.retry_delay,
                                }
                            ],
                        }
                    },
                    {},
                )
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            time.sleep(self.latency_s)
            if "FAIL" in _text(body):
                return (
                    400,
                    {
                        "error": {
                            "code": 400,
                            "message": "The scene was refused.",
                            "status": "INVALID_ARGUMENT",
                        }
                    },
                    {},
                )
            with self.lock:
                self.generated += 1
                n = self.generated
            return 200, answer(n), {}
        finally:
            with self.lock:
                self.in_flight -= 1

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        batch = body["batch"]
        config = batch["input_config"]
        if "file_name" in config:
            lines = self.uploads[config["file_name"]].decode().splitlines()
            requests = [json.loads(line) for line in lines if line.strip()]
        else:
            requests = [
                {"key": r["metadata"]["key"], "request": r["request"]} for r in config["requests"]["requests"]
            ]
        with self.lock:
            b = Batch(
                f"batches/{len(self.submissions) + 1}",
                batch.get("display_name", ""),
                requests,
                "file_name" in config,
            )
            self.submissions.append(b)
        return self.operation(b)

    def operation(self, b: Batch) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "@type": BATCH_TYPE,
            "model": "models/gemini-3-pro-image",
            "displayName": b.display_name,
            "state": f"BATCH_STATE_{b.state}",
            "batchStats": {"requestCount": str(len(b.requests)), "pendingRequestCount": str(len(b.requests))},
        }
        doc: dict[str, Any] = {"name": b.name, "metadata": meta}
        if b.state in ("SUCCEEDED", "CANCELLED", "EXPIRED", "FAILED"):
            doc["done"] = True
            meta["batchStats"]["pendingRequestCount"] = "0"
        if b.state == "SUCCEEDED":
            results = []
            for i, r in enumerate(b.requests, 1):
                if "FAIL" in _text(r["request"]):
                    results.append(
                        {
                            "key": r["key"],
                            "error": {
                                "code": 400,
                                "message": "The scene was refused.",
                                "status": "INVALID_ARGUMENT",
                            },
                        }
                    )
                else:
                    results.append({"key": r["key"], "response": answer(i)})
            if b.from_file:
                out = f"files/out-{b.name.split('/')[1]}"
                self.uploads[out] = b"\n".join(json.dumps(x).encode() for x in results) + b"\n"
                doc["response"] = {"@type": BATCH_TYPE, "responsesFile": out}
            else:
                doc["response"] = {
                    "@type": BATCH_TYPE,
                    "inlinedResponses": {
                        "inlinedResponses": [
                            {"metadata": {"key": x["key"]}, **{k: v for k, v in x.items() if k != "key"}}
                            for x in results
                        ]
                    },
                }
        return doc

    def poll(self, name: str) -> tuple[int, Any]:
        b = next((b for b in self.submissions if b.name == name), None)
        if b is None:
            return 404, {"error": {"code": 404, "message": f"{name} not found", "status": "NOT_FOUND"}}
        with self.lock:
            b.polls += 1
            if b.state in ("PENDING", "RUNNING"):
                b.state = "RUNNING"
                if b.polls >= self.polls_to_finish:
                    b.state = "EXPIRED" if self.expire else "SUCCEEDED"
        return 200, self.operation(b)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                if path.startswith("/upload/v1beta/files"):
                    token = str(len(fake.uploads) + 1)
                    return self._reply(200, {}, {"x-goog-upload-url": f"{fake.url}/upload-session/{token}"})
                if path.startswith("/upload-session/"):
                    name = f"files/in-{path.rsplit('/', 1)[1]}"
                    fake.uploads[name] = raw
                    return self._reply(200, {"file": {"name": name, "mimeType": "application/jsonl"}})
                body = json.loads(raw or b"{}")
                if path.endswith(":generateContent"):
                    status, doc, headers = fake.generate(body)
                    return self._reply(status, doc, headers)
                if path.endswith(":batchGenerateContent"):
                    return self._reply(200, fake.submit(body))
                if path.endswith(":cancel"):
                    name = path.removeprefix("/v1beta/").removesuffix(":cancel")
                    with fake.lock:
                        fake.cancels += 1
                        for b in fake.submissions:
                            if b.name == name and b.state in ("PENDING", "RUNNING"):
                                b.state = "CANCELLED"
                    return self._reply(200, {})
                return self._reply(404, {"error": {"code": 404, "message": "no such route"}})

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/v1beta/batches/"):
                    status, doc = fake.poll(path.removeprefix("/v1beta/"))
                    return self._reply(status, doc)
                if path.startswith("/download/v1beta/") and path.endswith(":download"):
                    name = path.removeprefix("/download/v1beta/").removesuffix(":download")
                    if name in fake.uploads:
                        return self._reply(
                            200, fake.uploads[name], {"Content-Type": "application/octet-stream"}
                        )
                return self._reply(404, {"error": {"code": 404, "message": "no such route"}})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

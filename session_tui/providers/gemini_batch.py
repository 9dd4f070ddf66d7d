"""Gemini's Batch Mode: many generateContent requests as one job, billed at half the price.

Shapes (ai.google.dev batch guide, python-genai ``batches.py``): ``POST
v1beta/models/{model}:batchGenerateContent`` with ``{"batch": {"display_name", "input_config":
{"requests": {"requests": [{"request": {...}, "metadata": {"key": ...}}]}}}}`` answers an operation
named ``batches/{id}``; ``GET v1beta/batches/{id}`` has ``metadata.state`` (``BATCH_STATE_*``) and,
once ``done``, ``response.inlinedResponses.inlinedResponses[]`` (each ``{"metadata": {"key"},
"response"}`` or ``{"error"}``) or ``response.responsesFile`` (a JSONL of ``{"key", "response"}``
lines, fetched from ``download/v1beta/{file}:download?alt=media``). Requests over the inline limit
go as a JSONL file uploaded through the Files API (resumable upload) and named by
``input_config.file_name``. ``POST v1beta/batches/{id}:cancel`` cancels.

Every call runs on the shared wire of the Gemini provider (its key header, cancellation and error
sentences); nothing here touches the session store.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from session_tui.errors import ProviderError
from session_tui.providers.base import GenerationRequest, GenerationResult
from session_tui.providers.errors import clip, error_details
from session_tui.providers.gemini import GeminiProvider
from session_tui.providers.parsers import load_json, parse_gemini
from session_tui.providers.sdk import Wire

INLINE_LIMIT_BYTES = 20_000_000  # Google refuses inline batch requests over about 20 MB
RESULTS_MAX_BYTES = 2 * 1024**3  # a results file of 2 GB is the most that is downloaded
STATES = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED")
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"})


@dataclass
class BatchItem:
    """One request's outcome, by the key it was sent with."""

    key: str
    result: GenerationResult | None = None
    error: str = ""


@dataclass
class BatchJob:
    name: str  # batches/{id}
    state: str  # PENDING … EXPIRED (without the BATCH_STATE_ prefix); UNKNOWN if unreadable
    done: bool = False
    requests: int | None = None
    pending: int | None = None
    succeeded: int | None = None
    failed: int | None = None
    error: str = ""  # the batch's own error, when it failed as a whole
    items: list[BatchItem] = field(default_factory=list)  # once done and results were read

    @property
    def terminal(self) -> bool:
        return self.done or self.state in TERMINAL


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _state(meta: dict[str, Any]) -> str:
    raw = str(meta.get("state") or "")
    for prefix in ("BATCH_STATE_", "JOB_STATE_"):  # the guide's REST snippet says JOB_STATE_*
        raw = raw.removeprefix(prefix)
    return raw if raw in STATES else "UNKNOWN"


def _count(stats: dict[str, Any], key: str) -> int | None:
    value = stats.get(key)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class GeminiBatch:
    """The batch client of one Gemini provider profile."""

    def __init__(self, provider: GeminiProvider, inline_limit_bytes: int = INLINE_LIMIT_BYTES) -> None:
        self.provider = provider
        self.inline_limit_bytes = inline_limit_bytes

    @property
    def service(self) -> str:
        return self.provider.service

    # -- submitting -----------------------------------------------------------------------------
    def submit(
        self,
        display_name: str,
        requests: Iterable[tuple[str, GenerationRequest]],
        cancel: threading.Event | None = None,
    ) -> BatchJob:
        """One job of every request (by key); inline when it fits, else as an uploaded JSONL file."""
        lines: list[bytes] = []
        for key, request in requests:
            body, prepared, _ = self.provider.plan(request)
            for img in request.references:
                img.release()  # the base64 body holds them now; a 4K original need not stay twice
            del prepared
            lines.append(json.dumps({"key": key, "request": body}, separators=(",", ":")).encode())
        if not lines:
            raise ProviderError("There is nothing to submit: every scene is done.")
        total = sum(len(line) + 1 for line in lines)
        model = self.provider.model_id

        def go(wire: Wire, key: str) -> BatchJob:
            if total <= self.inline_limit_bytes:
                inline = [json.loads(line) for line in lines]
                config: dict[str, Any] = {
                    "requests": {
                        "requests": [{"request": r["request"], "metadata": {"key": r["key"]}} for r in inline]
                    }
                }
            else:
                config = {"file_name": self._upload(wire, key, display_name, b"\n".join(lines) + b"\n")}
            doc = self._post(
                wire,
                key,
                f"v1beta/models/{model}:batchGenerateContent",
                {"batch": {"display_name": display_name, "input_config": config}},
            )
            return self._job(wire, doc)

        return self.provider._guarded(go, cancel)  # the wire and its error sentences

    def _upload(self, wire: Wire, key: str, display_name: str, data: bytes) -> str:
        """The Files API's resumable upload: start (metadata), then upload-and-finalize (bytes)."""
        start = wire.http.post(
            f"{self.provider.base_url}/upload/v1beta/files",
            json={"file": {"display_name": display_name}},
            headers={
                "x-goog-api-key": key,
                "X-Goog-Upload-Protocol": "resumable",
                "X-Goog-Upload-Command": "start",
                "X-Goog-Upload-Header-Content-Length": str(len(data)),
                "X-Goog-Upload-Header-Content-Type": "application/jsonl",
            },
        )
        self._raise_for(start, "starting the upload of the batch's requests")
        url = start.headers.get("x-goog-upload-url")
        if not url:
            raise ProviderError(f"{self.service} did not say where to upload the batch's requests.")
        done = wire.http.post(
            url,
            content=data,
            headers={
                "x-goog-api-key": key,
                "X-Goog-Upload-Offset": "0",
                "X-Goog-Upload-Command": "upload, finalize",
                "Content-Type": "application/jsonl",
            },
        )
        self._raise_for(done, "uploading the batch's requests")
        doc = load_json(done.content, self.service)
        name = doc.get("file", {}).get("name") if isinstance(doc, dict) else None
        if not isinstance(name, str) or not name.startswith("files/"):
            raise ProviderError(f"{self.service} accepted the batch's requests but named no file.")
        return name

    # -- following ------------------------------------------------------------------------------
    def get(self, name: str, cancel: threading.Event | None = None) -> BatchJob:
        """The job's state; with its results when it is done."""

        def go(wire: Wire, key: str) -> BatchJob:
            import httpx2

            response = wire.client.get(
                f"v1beta/{name}", cast_to=httpx2.Response, options=self.provider._headers(key)
            )
            return self._job(wire, load_json(response.content, self.service))

        return self.provider._guarded(go, cancel)

    def cancel(self, name: str) -> None:
        def go(wire: Wire, key: str) -> None:
            self._post(wire, key, f"v1beta/{name}:cancel", {})

        self.provider._guarded(go, None)

    # -- reading --------------------------------------------------------------------------------
    def _post(self, wire: Wire, key: str, path: str, body: dict[str, Any]) -> Any:
        import httpx2

        response = wire.client.post(
            path, body=body, cast_to=httpx2.Response, options=self.provider._headers(key)
        )
        return load_json(response.content, self.service) if response.content else {}

    def _raise_for(self, response: Any, doing: str) -> None:
        if response.status_code >= 400:
            d = error_details(load_json(response.content, self.service) if response.content else None)
            said = f": {d.message}" if d.message else ""
            raise ProviderError(
                f"{self.service} refused {doing} ({response.status_code}){said}.",
                retryable=response.status_code == 429 or response.status_code >= 500,
            )

    def _job(self, wire: Wire, doc: object) -> BatchJob:
        d = doc if isinstance(doc, dict) else {}
        name = d.get("name")
        if not isinstance(name, str) or not name.startswith("batches/"):
            raise ProviderError(f"{self.service} answered the batch request without a batch name.")
        meta = _obj(d.get("metadata"))
        stats = _obj(meta.get("batchStats"))
        job = BatchJob(
            name=name,
            state=_state(meta),
            done=d.get("done") is True,
            requests=_count(stats, "requestCount"),
            pending=_count(stats, "pendingRequestCount"),
            succeeded=_count(stats, "successfulRequestCount"),
            failed=_count(stats, "failedRequestCount"),
        )
        if isinstance(d.get("error"), dict):
            job.error = error_details(d["error"]).message or "the batch failed"
        if not job.done:
            return job
        response = _obj(d.get("response"))
        output = _obj(meta.get("output"))
        inlined = response.get("inlinedResponses") or output.get("inlinedResponses")
        if isinstance(inlined, dict):
            inlined = inlined.get("inlinedResponses")
        if isinstance(inlined, list):
            job.items = [
                self._item(wire, entry, _obj(entry.get("metadata")).get("key"))
                for entry in inlined
                if isinstance(entry, dict)
            ]
        else:
            file_name = response.get("responsesFile") or output.get("responsesFile")
            if isinstance(file_name, str) and file_name:
                job.items = self._file_items(wire, file_name)
        if job.state == "UNKNOWN":
            job.state = "FAILED" if job.error else "SUCCEEDED"
        return job

    def _file_items(self, wire: Wire, file_name: str) -> list[BatchItem]:
        response = wire.http.get(
            f"{self.provider.base_url}/download/v1beta/{file_name}:download",
            params={"alt": "media"},
            headers={"x-goog-api-key": wire.client.api_key},
        )
        self._raise_for(response, "the download of the batch's results")
        if len(response.content) > RESULTS_MAX_BYTES:
            raise ProviderError(f"{self.service} sent a results file over {RESULTS_MAX_BYTES >> 30} GB.")
        items: list[BatchItem] = []
        for line in response.content.splitlines():
            if line.strip():
                entry = load_json(line, self.service)
                if isinstance(entry, dict):
                    items.append(self._item(wire, entry, entry.get("key")))
        return items

    def _item(self, wire: Wire, entry: dict[str, Any], key: object) -> BatchItem:
        item = BatchItem(key=str(key) if key is not None else "")
        if isinstance(entry.get("error"), dict):
            d = error_details(entry["error"])
            item.error = clip(d.message or d.status or "the request failed") + (
                f" ({d.code})" if d.code else ""
            )
            return item
        try:
            answer = parse_gemini(entry.get("response"), self.service)
            item.result = self.provider.finish(
                wire, answer, request_info={"endpoint": "batchGenerateContent"}
            )
        except ProviderError as exc:
            item.error = exc.message.rstrip(".")
        return item

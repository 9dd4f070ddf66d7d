"""Answers of the image services, read as plain JSON.

Each parser is a pure function of the decoded JSON (any value at all) and raises nothing but
ProviderError, so it can be fuzzed. They read every documented place an image can be, count
the images rather than trusting a finish reason, and keep any text the service said.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from session_tui.errors import InvalidInput, ProviderError
from session_tui.providers.errors import body_error, clip, safety_error

BLOB_KEY = "session_tui_blob"  # stands in for inline image data in stored Gemini parts
GEMINI_FINISH_SAFETY = frozenset(
    {
        "SAFETY",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "IMAGE_RECITATION",
    }
)
# "Unspecified" is not a block: the proto spells it BLOCK_REASON_UNSPECIFIED, python-genai BLOCKED_…
GEMINI_NO_BLOCK = frozenset({"BLOCK_REASON_UNSPECIFIED", "BLOCKED_REASON_UNSPECIFIED"})
# Linear on hostile text: the alt text is bounded and the base64 run is an atomic group whose
# spaces must sit between base64 characters (an open-ended "[...\s]+?" then "\s*" backtracked
# quadratically: 16 KB of spaces took seconds, a 1 MB answer would have hung).
_MARKDOWN_IMAGE = re.compile(
    r"!\[[^\[\]\n]{0,500}\]\(\s*<?(data:[A-Za-z0-9.+/-]{0,100};base64,(?>[A-Za-z0-9+/=_\-]+(?:\s+[A-Za-z0-9+/=_\-]+)*)"
    r"|https?://[^\s)<>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)"
)


@dataclass
class Answer:
    """What a service gave back, before images are checked and stored."""

    images: list[bytes] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # http(s) images still to download
    text: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    model: str = ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def load_json(content: bytes, service: str) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        sample = clip(content[:120].decode("utf-8", "replace"), 80) if content else "an empty body"
        raise ProviderError(f"{service} answered with something that is not JSON ({sample}).") from None


def decode_b64(text: object, service: str) -> bytes:
    if not isinstance(text, str) or not text.strip():
        raise ProviderError(f"{service} sent an image without data.")
    compact = "".join(text.split())
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError(f"{service} sent image data that is not valid base64.") from None


def decode_data_url(url: str, service: str) -> bytes:
    head, sep, payload = url.partition(",")
    if not sep or ";base64" not in head:
        raise ProviderError(f"{service} sent an image data URL that is not base64.")
    return decode_b64(payload, service)


def markdown_images(content: str) -> tuple[str, list[str]]:
    """The text with markdown images taken out, and their URLs."""
    urls = [m.group(1) for m in _MARKDOWN_IMAGE.finditer(content)]
    return _MARKDOWN_IMAGE.sub("", content).strip(), urls


def checked_image(data: bytes, service: str) -> bytes:
    """``data`` if it is an image that fully decodes; a sentence otherwise."""
    checked_preview(data, service)
    return data


def checked_preview(data: bytes, service: str) -> Any:
    """Check as ``checked_image`` does and return what the decoding left for the score: the
    image's ``images.small_copy`` (None if it could not be made)."""
    from session_tui.media.images import inspect_image, verify_decodes

    try:
        inspect_image(data, "The image")
        return verify_decodes(data, "The image", small=True)
    except InvalidInput as exc:
        raise ProviderError(f"{service} sent an image that session-tui cannot use: {exc.message}") from None


def _sort_urls(urls: list[str], service: str) -> tuple[list[bytes], list[str]]:
    images: list[bytes] = []
    remote: list[str] = []
    for url in dict.fromkeys(u.strip() for u in urls if u and u.strip()):
        if url.startswith("data:"):
            images.append(decode_data_url(url, service))
        elif url.lower().startswith(("http://", "https://")):
            remote.append(url)
    return images, remote


def _image_url(item: object) -> str:
    """An image URL from any of the part shapes gateways use."""
    if isinstance(item, str):
        return item
    d = _dict(item)
    inner = d.get("image_url")
    if isinstance(inner, str):
        return inner
    if isinstance(inner, dict) and isinstance(url := inner.get("url"), str):
        return url
    if isinstance(url := d.get("url"), str):
        return url
    if isinstance(d.get("b64_json"), str):
        return f"data:image/png;base64,{d['b64_json']}"
    return ""


# -- OpenAI-compatible chat completions (gateways, OpenRouter) ------------------------------------
def parse_chat(doc: object, service: str) -> Answer:
    d = _dict(doc)
    choices = _list(d.get("choices"))
    if d.get("error") and not choices:
        raise body_error(service, d["error"])
    if not choices:
        raise ProviderError(f"{service} answered without any choices (not a chat completion).")
    choice = _dict(choices[0])
    msg = _dict(choice.get("message"))
    urls = [_image_url(item) for item in _list(msg.get("images"))]
    texts: list[str] = []
    content = msg.get("content")
    if isinstance(content, str):
        text, found = markdown_images(content)
        texts.append(text)
        urls += found
    for part in _list(content):
        p = _dict(part)
        if p.get("type") in ("text", "output_text") and isinstance(p.get("text"), str):
            text, found = markdown_images(p["text"])
            texts.append(text)
            urls += found
        elif p.get("type") in ("image_url", "image", "output_image"):
            urls.append(_image_url(p))
    texts.append(_str(msg.get("refusal")))
    text = "\n".join(t.strip() for t in texts if t and t.strip())
    finish = _str(choice.get("finish_reason"))
    if finish == "error" or choice.get("error"):
        # OpenRouter: the provider failed mid-answer, said with HTTP 200; what arrived is partial.
        failure = body_error(service, choice.get("error") or {"message": "the answer ended with an error"})
        failure.reply_text = text or None
        raise failure
    images, remote = _sort_urls(urls, service)
    native = _str(choice.get("native_finish_reason")).upper()
    if not images and not remote and (finish == "content_filter" or native in GEMINI_FINISH_SAFETY):
        raise safety_error(service, native or finish, text=text)
    return Answer(
        images=images,
        urls=remote,
        text=text,
        usage=_dict(d.get("usage")),
        model=_str(d.get("model")),
        state={"finish_reason": finish} if finish else {},
    )


# -- OpenAI Images (generate / edit) ---------------------------------------------------------------
def parse_images(doc: object, service: str) -> Answer:
    d = _dict(doc)
    if d.get("error") and not d.get("data"):
        raise body_error(service, d["error"])
    urls: list[str] = []
    texts: list[str] = []
    for item in _list(d.get("data")):
        it = _dict(item)
        if isinstance(it.get("b64_json"), str):
            urls.append(f"data:image/png;base64,{it['b64_json']}")
        elif isinstance(it.get("url"), str):
            urls.append(it["url"])
        texts.append(_str(it.get("revised_prompt")))
    images, remote = _sort_urls(urls, service)
    return Answer(
        images=images, urls=remote, text="\n".join(t for t in texts if t), usage=_dict(d.get("usage"))
    )


# -- OpenAI Responses with the image_generation tool -----------------------------------------------
def parse_responses(doc: object, service: str) -> Answer:
    d = _dict(doc)
    status = _str(d.get("status"))
    images: list[bytes] = []
    texts: list[str] = []
    refusals: list[str] = []
    call_id = ""
    for item in _list(d.get("output")):
        it = _dict(item)
        if it.get("type") == "image_generation_call":
            if isinstance(it.get("result"), str) and it["result"]:
                images.append(decode_b64(it["result"], service))
                call_id = _str(it.get("id")) or call_id
        elif it.get("type") == "message":
            for part in _list(it.get("content")):
                p = _dict(part)
                if p.get("type") == "output_text":
                    texts.append(_str(p.get("text")))
                elif p.get("type") == "refusal":
                    refusals.append(_str(p.get("refusal")))
    text = "\n".join(t.strip() for t in texts + refusals if t and t.strip())
    if not images:
        error = d.get("error")
        if error:
            raise body_error(service, error)
        reason = _str(_dict(d.get("incomplete_details")).get("reason"))
        if reason == "content_filter" or refusals:
            raise safety_error(service, reason or "refusal", " ".join(refusals), text)
        if status in ("incomplete", "failed", "cancelled"):
            raise ProviderError(
                f"{service} stopped before making an image ({reason or status}).", reply_text=text or None
            )
    state = {k: v for k, v in (("response_id", _str(d.get("id"))), ("image_call_id", call_id)) if v}
    return Answer(
        images=images, text=text, state=state, usage=_dict(d.get("usage")), model=_str(d.get("model"))
    )


# -- Gemini native generateContent --------------------------------------------------------------
def parse_gemini(doc: object, service: str) -> Answer:
    """Images and text of the first candidate; ``state["model_parts"]`` keeps every model part to send
    back on the next turn, with each image's data replaced by the sha256 of its bytes (the image itself
    is stored once, as a blob, and put back when the parts are replayed)."""
    d = _dict(doc)
    if d.get("error") and not d.get("candidates"):
        raise body_error(service, d["error"])
    feedback = _dict(d.get("promptFeedback"))
    block = _str(feedback.get("blockReason"))
    candidates = _list(d.get("candidates"))
    if block and block not in GEMINI_NO_BLOCK:
        raise safety_error(service, block, _str(feedback.get("blockReasonMessage")))
    if not candidates:
        raise ProviderError(f"{service} answered without any candidate and without saying why.")
    cand = _dict(candidates[0])
    finish = _str(cand.get("finishReason"))
    images: list[bytes] = []
    texts: list[str] = []
    kept: list[dict[str, Any]] = []
    for raw in _list(_dict(cand.get("content")).get("parts")):
        part = _dict(raw)
        if not part:
            continue
        key = "inlineData" if "inlineData" in part else "inline_data" if "inline_data" in part else ""
        thought = part.get("thought") is True
        if key:
            if thought:
                continue  # an interim thought image: not the answer, and it carries no signature
            inline = _dict(part[key])
            data = decode_b64(inline.get("data"), service)
            mime = _str(inline.get("mimeType")) or _str(inline.get("mime_type"))
            if mime and not mime.startswith("image/"):
                continue
            images.append(data)
            kept.append(
                {
                    **part,
                    key: {k: v for k, v in inline.items() if k != "data"},
                    BLOB_KEY: hashlib.sha256(data).hexdigest(),
                }
            )
            continue
        if not thought and isinstance(part.get("text"), str):
            texts.append(part["text"])
        kept.append(part)
    text = "".join(texts).strip()
    if not images and finish not in ("", "STOP", "FINISH_REASON_UNSPECIFIED"):
        message = _str(cand.get("finishMessage"))
        if finish in GEMINI_FINISH_SAFETY:
            raise safety_error(service, finish, message, text)
        detail = f": {clip(message)}" if message else ""
        raise ProviderError(
            f"{service} stopped without an image ({finish}){detail}.", reply_text=text or None
        )
    state: dict[str, Any] = {"model_parts": kept}
    if finish:
        state["finish_reason"] = finish
    return Answer(
        images=images,
        text=text,
        state=state,
        usage=_dict(d.get("usageMetadata")),
        model=_str(d.get("modelVersion")),
    )


# -- Gemini Interactions API ----------------------------------------------------------------------
# Statuses of an interaction that did not end well, and those of one that has not ended yet.
INTERACTION_STOPPED = frozenset({"failed", "cancelled", "incomplete", "budget_exceeded"})
INTERACTION_UNFINISHED = frozenset({"in_progress", "queued", "requires_action", "continuation_required"})


def parse_interaction(doc: object, service: str) -> Answer:
    """Images and text of an interaction's ``model_output`` steps (``thought`` steps are skipped, and
    ``user_input`` only appears when an interaction is read back). ``state["interaction_id"]`` is what
    the next turn continues from. The retired ``outputs`` list is read as one model output, so an
    answer in the old shape still yields its picture."""
    d = _dict(doc)
    steps = _list(d.get("steps"))
    if d.get("error") and not steps:
        raise body_error(service, d["error"])
    if not steps and isinstance(d.get("outputs"), list):
        steps = [{"type": "model_output", "content": d["outputs"]}]
    status = _str(d.get("status"))
    images: list[bytes] = []
    urls: list[str] = []
    texts: list[str] = []
    errors: list[Any] = [e for e in _list(d.get("errors")) if e]
    for raw in steps:
        step = _dict(raw)
        if step.get("type") != "model_output":
            continue
        if step.get("error"):
            errors.append(step["error"])
        for raw_item in _list(step.get("content")):
            item = _dict(raw_item)
            if item.get("type") == "text" and isinstance(item.get("text"), str):
                texts.append(item["text"])
            elif item.get("type") == "image":
                mime = _str(item.get("mime_type"))
                if mime and not mime.startswith("image/"):
                    continue
                if item.get("data") is not None:
                    images.append(decode_b64(item.get("data"), service))
                elif _str(item.get("uri")).lower().startswith(("http://", "https://")):
                    urls.append(_str(item.get("uri")))
    text = "\n".join(t.strip() for t in texts if t.strip())
    if not images and not urls:
        if errors:
            failure = body_error(service, errors[0])
            failure.reply_text = text or None
            raise failure
        if status in INTERACTION_STOPPED:
            raise ProviderError(
                f"{service} stopped before making an image ({status}).", reply_text=text or None
            )
        if status in INTERACTION_UNFINISHED:
            raise ProviderError(
                f"{service} answered before the interaction had finished ({status}); try again.",
                reply_text=text or None,
            )
    state = {
        k: v
        for k, v in (
            ("interaction_id", _str(d.get("id"))),
            ("status", status),
            ("created", _str(d.get("created"))),
        )
        if v
    }
    return Answer(
        images=images,
        urls=urls,
        text=text,
        state=state,
        usage=_dict(d.get("usage")),
        model=_str(d.get("model")),
    )

"""Where an imported reference came from: the tool, prompt and seed other generators write into images.

The fourth strategy for a consistent character is to make a seeded prototype elsewhere and use
it as a reference; recording its prompt and seed keeps that prototype reproducible. Read here:

- Stable Diffusion WebUI (AUTOMATIC1111, Forge): PNG text ``parameters``, or EXIF UserComment in JPEG/WebP;
- ComfyUI: PNG text ``prompt`` (the API graph) and ``workflow`` (the editor graph);
- session-tui's own exports: PNG iTXt ``session-tui`` (JSON);
- NovelAI (``Comment`` JSON) and InvokeAI (``invokeai_metadata``), which cost a few lines;
- otherwise the ``Software`` text, when present, as the tool.

Nothing here may fail an import: unreadable metadata just means no provenance.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PROMPT_MAX = 4000  # a prompt this long is already a paragraph; the header should stay small


@dataclass(frozen=True)
class Provenance:
    tool: str
    prompt: str | None = None
    seed: int | None = None

    def fields(self) -> dict[str, Any]:
        """As ReferenceImage's source_tool / source_prompt / source_seed."""
        prompt = self.prompt.strip()[:PROMPT_MAX] if self.prompt and self.prompt.strip() else None
        return {"source_tool": self.tool[:200], "source_prompt": prompt, "source_seed": self.seed}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,25}", value.strip()):
        return int(value.strip())
    return None


# -- Stable Diffusion WebUI ---------------------------------------------------------------------
_SETTINGS_RE = re.compile(r"^\s*Steps: \d+", re.MULTILINE)
_SEED_RE = re.compile(r"(?:^|,\s*)Seed:\s*(-?\d+)")


def from_a1111(text: str) -> Provenance | None:
    """``prompt\\nNegative prompt: ...\\nSteps: 20, Sampler: ..., Seed: 123, ...``."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):  # Fooocus and a few others put JSON in "parameters"
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            prompt = data.get("prompt") or data.get("full_prompt")
            tool = str(data.get("version") or data.get("software") or "Fooocus")
            return Provenance(tool, prompt if isinstance(prompt, str) else None, _int(data.get("seed")))
    settings = None
    for m in _SETTINGS_RE.finditer(text):
        settings = m  # the last "Steps:" line is the settings line
    if settings is None:
        return Provenance("unknown tool (a 'parameters' text)", text, None)
    head, tail = text[: settings.start()], text[settings.start() :]
    prompt = re.split(r"^\s*Negative prompt:", head, maxsplit=1, flags=re.MULTILINE)[0].strip()
    seed_match = _SEED_RE.search(tail)
    version = re.search(r"Version:\s*([^,\n]+)", tail)
    tool = "Stable Diffusion WebUI"
    if version and version.group(1).strip().startswith("f"):
        tool = "Stable Diffusion WebUI Forge"
    if version:
        tool += f" {version.group(1).strip()}"
    return Provenance(tool, prompt or None, int(seed_match.group(1)) if seed_match else None)


# -- ComfyUI ------------------------------------------------------------------------------------
_TEXT_KEYS = ("text", "text_g", "text_l", "prompt", "string", "value")
_SEED_KEYS = ("seed", "noise_seed")


def _comfy_text(graph: dict[str, Any], link: Any, depth: int = 0) -> str | None:
    """Follow a link ``[node_id, slot]`` upstream to the first node that holds prompt text."""
    if depth > 12 or not (isinstance(link, list) and link):
        return None
    node = graph.get(str(link[0]))
    if not isinstance(node, dict):
        return None
    inputs = node.get("inputs") or {}
    for key in _TEXT_KEYS:
        value = inputs.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, list):
            found = _comfy_text(graph, value, depth + 1)
            if found:
                return found
    for key in ("conditioning", "conditioning_1", "conditioning_to", "positive", "clip"):
        found = _comfy_text(graph, inputs.get(key), depth + 1)
        if found:
            return found
    return None


def _comfy_seed(graph: dict[str, Any], inputs: dict[str, Any], depth: int = 0) -> int | None:
    for key in (*_SEED_KEYS, "value", "int"):
        value = inputs.get(key)
        if _int(value) is not None:
            return _int(value)
        if isinstance(value, list) and value and depth < 6:
            node = graph.get(str(value[0]))
            if isinstance(node, dict):
                found = _comfy_seed(graph, node.get("inputs") or {}, depth + 1)
                if found is not None:
                    return found
    noise = inputs.get("noise")
    if isinstance(noise, list) and noise and depth < 6:
        node = graph.get(str(noise[0]))
        if isinstance(node, dict):
            return _comfy_seed(graph, node.get("inputs") or {}, depth + 1)
    return None


def _node_order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (1 << 30, key)


def from_comfy_prompt(text: str) -> Provenance | None:
    """The API-format graph: ``{"3": {"class_type": "KSampler", "inputs": {...}}, ...}``."""
    graph = json.loads(text)
    if not isinstance(graph, dict):
        return None
    nodes = [
        (k, v)
        for k, v in sorted(graph.items(), key=lambda kv: _node_order(kv[0]))
        if isinstance(v, dict) and "class_type" in v
    ]
    if not nodes:
        return None  # some other tool's JSON under the same key
    for _, node in nodes:
        kind = str(node.get("class_type", ""))
        if "Sampler" not in kind:
            continue
        inputs = node.get("inputs") or {}
        prompt = _comfy_text(graph, inputs.get("positive"))
        if prompt is None and isinstance(inputs.get("guider"), list):
            prompt = _comfy_text(graph, inputs["guider"])
        seed = _comfy_seed(graph, inputs)
        if prompt is not None or seed is not None:
            return Provenance("ComfyUI", prompt, seed)
    for _, node in nodes:  # no sampler found: the first text encoder is the best guess
        if "TextEncode" in str(node.get("class_type", "")):
            text_in = (node.get("inputs") or {}).get("text")
            if isinstance(text_in, str):
                return Provenance("ComfyUI", text_in, None)
    return Provenance("ComfyUI")


def from_comfy_workflow(text: str) -> Provenance | None:
    """The editor-format graph.

    ``{"nodes": [{"id", "type", "inputs", "widgets_values"}], "links": [...]}``.
    """
    data = json.loads(text)
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, list):
        return None
    by_id = {n.get("id"): n for n in nodes if isinstance(n, dict) and "type" in n}
    if not by_id:
        return None
    links = {ln[0]: ln for ln in data.get("links") or [] if isinstance(ln, list) and len(ln) >= 4}

    def widgets(node: dict[str, Any]) -> list[Any]:
        values = node.get("widgets_values")
        return values if isinstance(values, list) else []

    def order(node: dict[str, Any]) -> int:
        ident = node.get("id")
        return ident if isinstance(ident, int) else 1 << 30

    for node in sorted(by_id.values(), key=order):
        if "Sampler" not in str(node.get("type", "")):
            continue
        seed = next((_int(v) for v in widgets(node) if _int(v) is not None), None)
        prompt = None
        for slot in node.get("inputs") or []:
            if isinstance(slot, dict) and slot.get("name") == "positive" and slot.get("link") in links:
                source = by_id.get(links[slot["link"]][1])
                if isinstance(source, dict):
                    prompt = next((v for v in widgets(source) if isinstance(v, str) and v.strip()), None)
        return Provenance("ComfyUI", prompt, seed)
    for node in by_id.values():
        if "TextEncode" in str(node.get("type", "")):
            prompt = next((v for v in widgets(node) if isinstance(v, str) and v.strip()), None)
            return Provenance("ComfyUI", prompt, None)
    return Provenance("ComfyUI")


# -- session-tui, NovelAI, InvokeAI -------------------------------------------------------------
def from_session_tui(text: str) -> Provenance | None:
    meta = json.loads(text)
    if not isinstance(meta, dict):
        return None
    model = meta.get("model")
    tool = f"session-tui ({model})" if isinstance(model, str) and model else "session-tui"
    prompt = meta.get("prompt_sent") or meta.get("prompt")
    params = meta.get("params")
    params = params if isinstance(params, dict) else {}
    # A seed the model ignored reproduces nothing, so it is recorded only where it was honoured.
    seed = _int(params.get("seed")) if meta.get("seed_honoured") is True else None
    return Provenance(tool, prompt if isinstance(prompt, str) else None, seed)


def from_novelai(info: dict[str, Any]) -> Provenance | None:
    comment = json.loads(str(info.get("Comment", "{}")))
    if not isinstance(comment, dict):
        comment = {}
    prompt = comment.get("prompt") or info.get("Description")
    return Provenance("NovelAI", prompt if isinstance(prompt, str) else None, _int(comment.get("seed")))


def from_invokeai(text: str) -> Provenance | None:
    meta = json.loads(text)
    if not isinstance(meta, dict):
        return None
    prompt = meta.get("positive_prompt")
    version = meta.get("app_version")
    return Provenance(
        f"InvokeAI {version}" if isinstance(version, str) else "InvokeAI",
        prompt if isinstance(prompt, str) else None,
        _int(meta.get("seed")),
    )


# -- reading the image --------------------------------------------------------------------------
def _user_comment(raw: bytes) -> str:
    """EXIF UserComment: an 8-byte charset prefix, then the text (A1111 writes UTF-16)."""
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        for codec in ("utf-16-be", "utf-16-le"):
            try:
                text = body.decode(codec)
            except UnicodeDecodeError:
                continue
            if text and sum(ch.isprintable() or ch in "\n\r\t" for ch in text) >= 0.95 * len(text):
                return text
        return ""
    if prefix.startswith(b"ASCII"):
        return body.decode("ascii", "replace")
    return raw.decode("utf-8", "replace") if raw else ""


def text_chunks(data: bytes) -> dict[str, str]:
    """The textual metadata of an image: PNG text chunks, JPEG comment, EXIF UserComment as ``parameters``."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(io.BytesIO(data)) as img:
            out: dict[str, str] = {}
            if img.format == "PNG":
                out.update({str(k): str(v) for k, v in getattr(img, "text", {}).items()})
            for key, value in img.info.items():
                if isinstance(value, str) and key not in out:
                    out[str(key)] = value
                elif key == "comment" and isinstance(value, bytes) and "comment" not in out:
                    out["comment"] = value.decode("utf-8", "replace")
            exif_ifd = img.getexif().get_ifd(0x8769)  # the Exif sub-IFD holds UserComment (0x9286)
            comment = exif_ifd.get(0x9286)
            if isinstance(comment, bytes) and "parameters" not in out:
                text = _user_comment(comment).strip("\x00").strip()
                if text:
                    out["parameters"] = text
            if "parameters" not in out and out.get("comment", "").find("Steps: ") >= 0:
                out["parameters"] = out["comment"]
    return out


def read_provenance(data: bytes) -> Provenance | None:
    """The provenance recorded in an image, or None when it carries none (or cannot be read)."""
    try:
        chunks = text_chunks(data)
    except Exception:
        return None
    readers: tuple[tuple[str, Callable[[], Provenance | None]], ...] = (
        ("session-tui", lambda: from_session_tui(chunks["session-tui"])),
        ("prompt", lambda: from_comfy_prompt(chunks["prompt"])),
        ("workflow", lambda: from_comfy_workflow(chunks["workflow"])),
        ("invokeai_metadata", lambda: from_invokeai(chunks["invokeai_metadata"])),
        ("parameters", lambda: from_a1111(chunks["parameters"])),
    )
    for key, read in readers:
        if key in chunks:
            try:
                found = read()
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
                found = None
            if found is not None:
                return found
    if chunks.get("Software", "").startswith("NovelAI"):
        try:
            return from_novelai(chunks)
        except (ValueError, TypeError):
            return Provenance("NovelAI", chunks.get("Description"), None)
    software = chunks.get("Software", "").strip()
    return Provenance(software) if software else None


def source_fields(data: bytes) -> dict[str, Any]:
    """ReferenceImage fields for ``data``; empty when nothing is recorded in it."""
    found = read_provenance(data)
    return found.fields() if found is not None else {}

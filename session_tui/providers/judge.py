"""The judge's client: a vision-capable chat model rates a picture against the references.

A profile names the model with ``judge_model``; the request goes through the openai SDK's
``chat.completions`` to the profile's base_url (for a Gemini profile, Gemini's OpenAI-compatible
endpoint). The verdict is stored beside the local score, as ``score["judge"]`` on the turn.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from session_tui.config import Profile
from session_tui.domain.model import CharacterSpec, ReferenceImage
from session_tui.errors import ConfigError, ProviderError, SessionTuiError
from session_tui.paths import Home
from session_tui.providers.errors import Where, from_sdk, redact_error
from session_tui.providers.keys import resolve_api_key
from session_tui.providers.sdk import Wire

MAX_JUDGE_REFERENCES = 6  # enough to show the character; keeps each request small
IMAGE_SIDE = 1024  # images are sent at most this big
ANSWER_MAX = 2000
OPENAI_URL = "https://api.openai.com/v1"
GEMINI_OPENAI_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"
DEFAULT_ATTRIBUTES = ("face", "hair", "eyes", "outfit", "colours", "proportions")


@dataclass(frozen=True)
class Judge:
    """Where verdicts come from: a profile's name and settings, and the model that judges."""

    profile_name: str
    profile: Profile
    model: str
    base_url: str


def judge_for(profile_name: str, profile: Profile, config_file: str) -> Judge:
    """The judge of a profile, or a sentence saying what to add to config.toml."""
    if not profile.judge_model:
        raise ConfigError(
            f'Provider profile {profile_name!r} names no judge_model; add judge_model = "MODEL" '
            f"(a vision-capable chat model) to [providers.{profile_name}] in {config_file}, or "
            "choose another profile with --profile."
        )
    if profile.kind == "offline":
        raise ConfigError(
            f"Profile {profile_name!r} is the offline renderer, which cannot judge pictures; "
            "use a profile of an online service."
        )
    if profile.kind == "gemini":
        base = profile.base_url or GEMINI_OPENAI_URL
        if "/openai" not in base:  # a native Gemini base_url: use its OpenAI-compatible door
            base = base.rstrip("/") + "/v1beta/openai/"
    else:
        base = profile.base_url or OPENAI_URL
    return Judge(profile_name, profile, profile.judge_model, base)


def api_key(judge: Judge, home: Home) -> str:
    return resolve_api_key(judge.profile, home, judge.profile_name)


def attributes(spec: CharacterSpec) -> list[str]:
    """What the judge rates: the spec's filled-in fields, else a general list."""
    named = [f for f in ("hair", "eyes", "face", "outfit", "style") if getattr(spec, f).strip()]
    if spec.accessories:
        named.append("accessories")
    if spec.palette:
        named.append("colours")
    return named or list(DEFAULT_ATTRIBUTES)


def instructions(spec: CharacterSpec, attrs: Sequence[str]) -> str:
    from session_tui.domain.prompting import describe, keep_items

    spec_text = describe(spec) or "(no written description; judge from the references alone)"
    keep = "; ".join(keep_items(spec))
    return (
        "You check whether a picture shows the same character as the reference pictures.\n"
        f"The character: {spec_text}\n"
        + (f"What must not change: {keep}.\n" if keep else "")
        + "Rate the candidate picture (the last image) against the references (the images before it), "
        "ignoring background, pose and lighting. For each attribute give 0 (different) to 100 (identical): "
        f"{', '.join(attrs)}. Then give an overall score from 0 to 100.\n"
        'Answer with one JSON object and nothing else: {"overall": 0-100, "attributes": {'
        + ", ".join(f'"{a}": 0-100' for a in attrs)
        + '}, "differences": "one short sentence naming what differs"}'
    )


def data_url(data: bytes) -> str:
    """The image, at most IMAGE_SIDE pixels a side, as a data URL (PNG with alpha, JPEG otherwise)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.thumbnail((IMAGE_SIDE, IMAGE_SIDE))
        out = io.BytesIO()
        if img.mode in ("RGBA", "LA", "P"):
            img.convert("RGBA").save(out, format="PNG")
            mime = "image/png"
        else:
            img.convert("RGB").save(out, format="JPEG", quality=90)
            mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(out.getvalue()).decode()}"


def build_messages(
    spec: CharacterSpec, references: Sequence[tuple[ReferenceImage, bytes]], candidate: bytes
) -> list[dict[str, Any]]:
    attrs = attributes(spec)
    content: list[dict[str, Any]] = [{"type": "text", "text": instructions(spec, attrs)}]
    for n, (ref, data) in enumerate(references, 1):
        content.append(
            {"type": "text", "text": f"Reference {n} ({ref.role}): {ref.label or ref.sha256[:12]}"}
        )
        content.append({"type": "image_url", "image_url": {"url": data_url(data)}})
    content.append({"type": "text", "text": "Candidate:"})
    content.append({"type": "image_url", "image_url": {"url": data_url(candidate)}})
    return [{"role": "user", "content": content}]


def _clamp(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return max(0, min(100, round(value)))


def parse_verdict(text: str) -> dict[str, Any]:
    """The judge's JSON (fences and chatter around it tolerated); ``error`` set when there is none."""
    cleaned = re.sub(r"```(?:json)?", "", text or "")
    start, end = cleaned.find("{"), cleaned.rfind("}")
    data: Any = None
    if start >= 0 and end > start:
        try:
            data = json.loads(cleaned[start : end + 1])
        except ValueError:
            data = None
    if not isinstance(data, dict) or _clamp(data.get("overall")) is None:
        return {
            "overall": None,
            "attributes": {},
            "differences": "",
            "error": "the judge did not answer with the JSON asked for",
            "raw": (text or "")[:ANSWER_MAX],
        }
    attrs = data.get("attributes")
    attrs = attrs if isinstance(attrs, dict) else {}
    return {
        "overall": _clamp(data.get("overall")),
        "attributes": {
            str(k)[:40]: v for k, v in ((k, _clamp(v)) for k, v in attrs.items()) if v is not None
        },
        "differences": str(data.get("differences") or "")[:ANSWER_MAX],
    }


class JudgeClient:
    """Verdicts over the same wire as every other request: cancellable, with the gateway header hygiene."""

    def __init__(self, judge: Judge, key: str, cancel: threading.Event | None = None) -> None:
        self.judge = judge
        self._key = key
        self._cancel = cancel
        host = urlsplit(judge.base_url).hostname or judge.base_url
        self._where = Where(
            service=f"the judge {judge.model} ({host})",
            host=host,
            model=judge.model,
            timeout_s=judge.profile.timeout_s,
            attempts=judge.profile.max_retries + 1,
        )

    def _error(self, exc: BaseException) -> SessionTuiError:
        if isinstance(exc, SessionTuiError):
            return redact_error(exc, [self._key])
        found = from_sdk(exc, self._where) or ProviderError(
            f"The judge {self.judge.model} at {self._where.host} failed: {exc}."
        )
        return redact_error(found, [self._key])

    def _complete(self, messages: list[dict[str, Any]]) -> Any:
        wire = Wire(
            base_url=self.judge.base_url,
            api_key=self._key,
            timeout_s=self.judge.profile.timeout_s,
            max_retries=self.judge.profile.max_retries,
            cancel=self._cancel,
            official=urlsplit(self.judge.base_url).hostname == "api.openai.com",
        )
        try:
            return wire.run(
                lambda: wire.client.chat.completions.create(
                    model=self.judge.model, messages=cast(Any, messages), temperature=0
                )
            )
        finally:
            wire.close()

    def verdict(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        try:
            completion = self._complete(messages)
        except Exception as exc:
            raise self._error(exc) from None
        try:
            text = completion.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError):
            raise ProviderError(f"The judge {self.judge.model} answered with no message.") from None
        if not isinstance(text, str):  # some gateways answer with a list of parts
            text = " ".join(str(p.get("text", "")) for p in text if isinstance(p, dict))
        verdict = parse_verdict(text)
        verdict.update(
            {
                "model": getattr(completion, "model", None) or self.judge.model,
                "profile": self.judge.profile_name,
                "judged_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        return verdict

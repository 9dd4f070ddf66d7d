"""SDK exceptions and safety blocks as one sentence each, with every key redacted.

The sentence is what the user reads and what the failed turn stores, so it names the service,
says what happened, and where it helps, what to do. Nothing here may leak a key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from session_tui.errors import ProviderError, SessionTuiError

REDACTED = "[redacted]"
_MESSAGE_MAX = 300
# Shapes of keys that could be echoed back by a service even when we do not know the value.
_KEY_SHAPES = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|(?i:bearer)\s+[A-Za-z0-9._\-]{8,}"
    r"|(?i:(?:api[_-]?key|key|token)=)[^&\s\"']+)"
)
SAFETY_CODES = frozenset(
    {
        "moderation_blocked",  # the Images API's refusal
        "image_content_policy_violation",  # a Responses image call that failed for its content
        "content_policy_violation",
        "content_filter",
        "safety",
    }
)
# Words in a message that mean a moderation layer, not the model, refused (OpenRouter's 403 and 400s).
_MODERATION_WORDS = ("moderation", "flagged", "content policy", "content_policy", "safety system")
_RETRY_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret, and anything shaped like a key, replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, text)


def redact_error(exc: SessionTuiError, secrets: Iterable[str]) -> SessionTuiError:
    secrets = list(secrets)
    exc.message = redact(exc.message, secrets)
    exc.args = (exc.message,)
    if isinstance(exc, ProviderError) and exc.reply_text:
        exc.reply_text = redact(exc.reply_text, secrets)
    return exc


def clip(text: str, limit: int = _MESSAGE_MAX) -> str:
    """One line, at most ``limit`` characters, without a trailing full stop (the caller adds one)."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.rstrip(".")


@dataclass(frozen=True)
class ErrorDetails:
    message: str = ""
    code: str = ""
    status: str = ""  # Google's status name, e.g. RESOURCE_EXHAUSTED
    reason: str = ""  # Google's ErrorInfo reason, e.g. API_KEY_INVALID
    param: str = ""
    error_type: str = ""  # OpenRouter's error.metadata.error_type, e.g. provider_unavailable
    reasons: tuple[str, ...] = ()  # OpenRouter's moderation reasons, e.g. ("violence",)
    flagged_input: str = ""  # the part of the input a moderation layer flagged
    retry_delay_s: float | None = None  # Google's RetryInfo detail: how long to wait

    @property
    def moderated(self) -> bool:
        """Whether a moderation layer (not a key or a quota) refused the request."""
        if self.reasons or self.flagged_input or self.code.lower() in SAFETY_CODES:
            return True
        text = f"{self.message} {self.error_type}".lower()
        return any(word in text for word in _MODERATION_WORDS)


def retry_delay(details: object) -> float | None:
    """The wait a ``google.rpc.RetryInfo`` detail asks for (``"retryDelay": "2s"``), in seconds."""
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict) or not str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            continue
        delay = detail.get("retryDelay")
        if isinstance(delay, dict):  # the proto's own spelling, {seconds, nanos}
            seconds, nanos = delay.get("seconds", 0), delay.get("nanos", 0)
            if isinstance(seconds, (int, str)) and str(seconds).isdigit() and isinstance(nanos, int):
                return int(seconds) + nanos / 1e9
        elif isinstance(delay, str) and (m := _RETRY_DELAY.match(delay)):
            value = float(m.group(1))
            return value if value < 86_400 else None
    return None


def error_details(body: object) -> ErrorDetails:
    """Read an error body in any of the shapes services use: an object, ``{"error": …}``, a list of
    those (Gemini's OpenAI-compatible endpoint), or plain text."""
    if isinstance(body, list):
        body = next((item for item in body if isinstance(item, dict)), body[0] if body else None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict):
        reason = ""
        details = body.get("details")
        if isinstance(details, list):
            reason = next((str(d["reason"]) for d in details if isinstance(d, dict) and d.get("reason")), "")
        message = body.get("message")
        if not isinstance(message, str) and isinstance(body.get("error"), str):
            message = body["error"]
        code = body.get("code")
        found = body.get("metadata")
        meta: dict[str, Any] = found if isinstance(found, dict) else {}
        listed = meta.get("reasons")
        reasons: list[Any] = listed if isinstance(listed, list) else []
        # Codes go into the sentence too: one line and short, whatever the service sent.
        return ErrorDetails(
            message=clip(message) if isinstance(message, str) else "",
            code=clip(str(code), 60) if isinstance(code, (str, int)) and not isinstance(code, bool) else "",
            status=clip(body.get("status") or "", 60) if isinstance(body.get("status"), str) else "",
            reason=clip(reason, 60),
            param=clip(body.get("param") or "", 60) if isinstance(body.get("param"), str) else "",
            error_type=clip(meta["error_type"], 60) if isinstance(meta.get("error_type"), str) else "",
            reasons=tuple(clip(r, 40) for r in reasons[:5] if isinstance(r, str) and r.strip()),
            flagged_input=clip(meta["flagged_input"], 100)
            if isinstance(meta.get("flagged_input"), str)
            else "",
            retry_delay_s=retry_delay(details),
        )
    if isinstance(body, str):
        text = re.sub(r"<[^>]+>", " ", body)  # an HTML error page from a proxy
        return ErrorDetails(message=clip(text, 200))
    return ErrorDetails()


def safety_error(service: str, reason: str, message: str = "", text: str = "") -> ProviderError:
    detail = f": {clip(message)}" if message else ""
    return ProviderError(
        f"{service} blocked the request for safety reasons ({reason}){detail}; rephrase the prompt or change "
        "the references and try again.",
        reply_text=text or None,
    )


def moderation_error(service: str, d: ErrorDetails, label: str = "") -> ProviderError:
    """A moderation layer's refusal (OpenRouter's 403 with reasons, a 400 content-policy error)."""
    why = ", ".join(d.reasons) or d.code or label or "moderation"
    said = f": {d.message}" if d.message else ""
    flagged = f" (flagged: {d.flagged_input!r})" if d.flagged_input else ""
    return ProviderError(
        f"{service} blocked the request by moderation ({why}){said}{flagged}; rephrase the prompt or change "
        "the references and try again."
    )


def body_error(service: str, body: object) -> ProviderError:
    """An error a service reported inside an answer (OpenRouter's HTTP 200 with ``error``, a failed
    response or interaction): the service's message and code, and whether trying again may help."""
    d = error_details(body)
    if d.code.lower() in SAFETY_CODES:
        return safety_error(service, d.code, d.message)
    if d.reason.upper() in ("SAFETY", "PROHIBITED_CONTENT", "IMAGE_SAFETY"):
        return safety_error(service, d.reason, d.message)
    if d.moderated:
        return moderation_error(service, d)
    label = ", ".join(p for p in (d.code or d.status, d.error_type) if p)
    label = f" ({label})" if label else ""
    transient = d.code.isdigit() and (int(d.code) in (408, 409, 429) or int(d.code) >= 500)
    transient = transient or d.status in ("RESOURCE_EXHAUSTED", "UNAVAILABLE", "DEADLINE_EXCEEDED")
    advice = "; try again later" if transient else ""
    return ProviderError(
        f"{service} reported an error{label}: {d.message or 'no message'}{advice}.", retryable=transient
    )


@dataclass(frozen=True)
class Where:
    """What a sentence needs to know about the request that failed."""

    service: str  # e.g. "nano-banana-pro (openrouter.ai)"
    host: str
    model: str
    timeout_s: float
    attempts: int
    key_hint: str = ""  # where the key came from, e.g. "$MY_KEY"


def from_sdk(exc: BaseException, where: Where) -> SessionTuiError | None:
    """The sentence for an exception the openai SDK raised, or None if it is not one of its own."""
    import openai  # the SDK is loaded only when a network provider runs

    svc = where.service
    if isinstance(exc, openai.APITimeoutError):
        tries = f" ({where.attempts} attempts)" if where.attempts > 1 else ""
        return ProviderError(
            f"{svc} did not answer within {where.timeout_s:g} s{tries}; try again, or raise "
            "timeout_s in the profile.",
            retryable=True,
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            f"Could not reach {where.host}: {_connection_reason(exc)}; check the profile's "
            "base_url and the network.",
            retryable=True,
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, where)
    if isinstance(exc, openai.APIResponseValidationError):
        return ProviderError(f"{svc} sent an answer session-tui cannot read ({clip(str(exc.message))}).")
    if isinstance(exc, openai.OpenAIError):
        return ProviderError(f"{svc}: {clip(str(exc))}.")
    return None


def _connection_reason(exc: BaseException) -> str:
    seen: set[int] = set()
    cause: BaseException | None = exc
    texts: list[str] = []
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        texts.append(str(cause).lower())
        cause = cause.__cause__ or cause.__context__
    joined = " ".join(texts)
    for needle, reason in (
        ("refused", "the connection was refused"),
        ("name or service not known", "the host name does not resolve"),
        ("nodename nor servname", "the host name does not resolve"),
        ("temporary failure in name resolution", "the host name does not resolve"),
        ("certificate", "its TLS certificate was not accepted"),
        ("ssl", "the TLS handshake failed"),
        ("disconnected", "the server closed the connection without answering"),
        ("reset by peer", "the connection was reset"),
        ("unreachable", "the network is unreachable"),
    ):
        if needle in joined:
            return reason
    return "the connection failed"


def _status_error(exc: Any, where: Where) -> ProviderError:
    d = error_details(exc.body)
    status = int(exc.status_code)
    svc = where.service
    label = ", ".join(p for p in (str(status), d.status, d.code if d.code != str(status) else "") if p)
    said = f": {d.message}" if d.message else ""
    if d.code.lower() in SAFETY_CODES or d.reason.upper() in ("SAFETY", "PROHIBITED_CONTENT"):
        return safety_error(svc, d.code or d.reason, d.message)
    if status in (400, 403) and d.moderated:
        return moderation_error(svc, d, label)
    if status == 401 or d.reason == "API_KEY_INVALID" or (status == 400 and "api key" in d.message.lower()):
        key = f" from {where.key_hint}" if where.key_hint else ""
        return ProviderError(f"{svc} refused the API key{key} ({label}){said}.")
    if status == 403:
        return ProviderError(
            f"{svc} denied access ({label}){said}; the key may not have access to model {where.model!r}."
        )
    if status == 404 and "output modalities" in d.message.lower():
        return ProviderError(
            f"{svc} has no endpoint for model {where.model!r} that answers with the output asked for "
            f'({label}){said}; an image-only model needs modalities = ["image"] in the profile.'
        )
    if status == 404:
        return ProviderError(
            f"{svc} does not know model {where.model!r} or this endpoint ({label}){said}; "
            "check model and base_url in the profile."
        )
    if status in (408, 409, 429) or status >= 500:
        wait = _retry_after(exc, d)
        kind = (
            "is rate limiting requests"
            if status == 429
            else ("had a server error" if status >= 500 else "did not complete the request")
        )
        tries = f" after {where.attempts} attempts" if where.attempts > 1 else ""
        return ProviderError(f"{svc} {kind} ({label}){said}{tries}{wait}; try again later.", retryable=True)
    return ProviderError(f"{svc} rejected the request ({label}){said}.")


def _retry_after(exc: Any, d: ErrorDetails) -> str:
    try:
        value = exc.response.headers.get("retry-after")
    except AttributeError:
        value = None
    if not value and d.retry_delay_s is not None:
        value = f"{d.retry_delay_s:g}"
    return f" (it asked to wait {clip(value, 20)} s)" if value else ""

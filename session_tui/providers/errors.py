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
SAFETY_CODES = frozenset({"moderation_blocked", "content_policy_violation", "content_filter", "safety"})


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
        # Codes go into the sentence too: one line and short, whatever the service sent.
        return ErrorDetails(
            message=clip(message) if isinstance(message, str) else "",
            code=clip(str(code), 60) if isinstance(code, (str, int)) and not isinstance(code, bool) else "",
            status=clip(body.get("status") or "", 60) if isinstance(body.get("status"), str) else "",
            reason=clip(reason, 60),
            param=clip(body.get("param") or "", 60) if isinstance(body.get("param"), str) else "",
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
    if status == 401 or d.reason == "API_KEY_INVALID" or (status == 400 and "api key" in d.message.lower()):
        key = f" from {where.key_hint}" if where.key_hint else ""
        return ProviderError(f"{svc} refused the API key{key} ({label}){said}.")
    if status == 403:
        return ProviderError(
            f"{svc} denied access ({label}){said}; the key may not have access to model {where.model!r}."
        )
    if status == 404:
        return ProviderError(
            f"{svc} does not know model {where.model!r} or this endpoint ({label}){said}; "
            "check model and base_url in the profile."
        )
    if status in (408, 409, 429) or status >= 500:
        wait = _retry_after(exc)
        kind = (
            "is rate limiting requests"
            if status == 429
            else ("had a server error" if status >= 500 else "did not complete the request")
        )
        tries = f" after {where.attempts} attempts" if where.attempts > 1 else ""
        return ProviderError(f"{svc} {kind} ({label}){said}{tries}{wait}; try again later.", retryable=True)
    return ProviderError(f"{svc} rejected the request ({label}){said}.")


def _retry_after(exc: Any) -> str:
    try:
        value = exc.response.headers.get("retry-after")
    except AttributeError:
        return ""
    return f" (it asked to wait {clip(value, 20)} s)" if value else ""

"""The envelope every call returns: ``{"status", "headers", "body"}``, plus what we measured."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .usage import Usage

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_DURATION_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """OpenAI's reset durations ("1s", "6m0s", "20ms") in seconds."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    return sum(float(n) * _DURATION_SECONDS[u] for n, u in parts)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The ``x-ratelimit-*`` headers, parsed."""

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    reset_tokens: float | None = None

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> RateLimit | None:
        if "x-ratelimit-remaining-requests" not in headers and (
            "x-ratelimit-remaining-tokens" not in headers
        ):
            return None

        def number(name: str) -> int | None:
            value = headers.get(name)
            return int(value) if value is not None and value.isdigit() else None

        def duration(name: str) -> float | None:
            value = headers.get(name)
            return parse_duration(value) if value else None

        return cls(
            number("x-ratelimit-limit-requests"),
            number("x-ratelimit-limit-tokens"),
            number("x-ratelimit-remaining-requests"),
            number("x-ratelimit-remaining-tokens"),
            duration("x-ratelimit-reset-requests"),
            duration("x-ratelimit-reset-tokens"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def request_id_of(headers: dict[str, str]) -> str | None:
    """The provider's request id among response headers (lower-case names)."""
    return headers.get("x-request-id") or headers.get("apim-request-id")


@dataclass(slots=True)
class Result:
    """One call's outcome. ``body`` is the provider's JSON as sent, or text, or bytes."""

    status: int
    headers: dict[str, str]
    body: Any
    usage: Usage | None = None
    attempts: int = 1
    elapsed: float = 0.0
    rate_limit: RateLimit | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Operation-specific facts added by post-processing (e.g. files written)."""
    request_id: str | None = None
    """The provider's id for this request (``x-request-id``, Azure's ``apim-request-id``)."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def envelope(self) -> dict[str, Any]:
        """Exactly ``{"status", "headers", "body"}``."""
        return {"status": self.status, "headers": self.headers, "body": self.body}

    def meta(self) -> dict[str, Any]:
        return {
            "usage": self.usage.to_dict() if self.usage else None,
            "attempts": self.attempts,
            "elapsed_ms": round(self.elapsed * 1000, 3),
            "rate_limit": self.rate_limit.to_dict() if self.rate_limit else None,
            **({"request_id": self.request_id} if self.request_id else {}),
            **self.extra,
        }

    def to_dict(self) -> dict[str, Any]:
        """The envelope with what we measured under ``meta``."""
        data = self.envelope()
        data["meta"] = self.meta()
        return data

    def to_jsonable(self, *, redact: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """:meth:`to_dict` made of JSON values only: bytes as ``{"bytes": length, "base64":
        text}``, paths as text, tuples and sets as lists (what the CLI prints with --json).

        ``redact`` (e.g. a ``Redactor``'s ``deep``) masks secrets before bytes become
        base64, where they could no longer be found."""
        data = self.to_dict()
        return jsonable(redact(data) if redact else data)  # type: ignore[no-any-return]

    @property
    def text(self) -> str | None:
        """The answer's text for chat, completions, Responses and transcription bodies, else
        None."""
        body = self.body
        if not isinstance(body, dict):
            return body if isinstance(body, str) else None
        choices = body.get("choices")
        if isinstance(choices, list) and choices:
            first = choices[0]
            if not isinstance(first, dict):
                return None
            message = first.get("message")
            if isinstance(message, dict):
                content = message.get("content")
                return content if isinstance(content, str) else None
            text = first.get("text")
            return text if isinstance(text, str) else None
        output_text = body.get("output_text", body.get("text"))  # Responses; transcriptions
        return output_text if isinstance(output_text, str) else None


def jsonable(value: Any) -> Any:
    """``value`` with everything JSON cannot hold turned into what it can (see
    :meth:`Result.to_jsonable`)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return jsonable(jsonable_leaf(value))


def jsonable_leaf(value: Any) -> Any:
    """One value JSON cannot hold, as one it can (its parts may still need the same)."""
    if isinstance(value, bytes | bytearray):
        return {"bytes": len(value), "base64": base64.b64encode(value).decode()}
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(value)  # a path; anything else as its text

"""Token usage, from a response body or a stream's last chunk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_DETAILS = ("cached_tokens", "reasoning_tokens", "audio_tokens")


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one call (or the sum of several).

    ``cached_tokens`` (prompt tokens served from the provider's cache), ``reasoning_tokens``
    and ``audio_tokens`` (prompt and completion audio together) come from the body's
    ``*_tokens_details`` (Chat Completions) or ``input/output_tokens_details`` (Responses
    API); they are 0 when the body does not give them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    audio_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
            self.cached_tokens + other.cached_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            self.audio_tokens + other.audio_tokens,
        )

    def to_dict(self) -> dict[str, int]:
        """The three counts always; a detail only when the provider gave it (not 0)."""
        data = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        for name in _DETAILS:
            value = getattr(self, name)
            if value:
                data[name] = value
        return data

    @classmethod
    def from_body(cls, body: Any) -> Usage | None:
        """Read ``usage`` from a Chat/Completions/Embeddings or Responses API body."""
        if not isinstance(body, dict):
            return None
        usage = body.get("usage")
        if not isinstance(usage, dict):
            return None
        prompt = usage.get("prompt_tokens", usage.get("input_tokens", 0)) or 0
        completion = usage.get("completion_tokens", usage.get("output_tokens", 0)) or 0
        if type(prompt) is not int or type(completion) is not int:
            return None  # not the shape we know: no usage rather than a wrong one
        total = usage.get("total_tokens") or prompt + completion
        if type(total) is not int:
            return None
        if len(usage) <= 3:  # the common body: no details to look for
            return cls(prompt, completion, total)
        given = usage.get("prompt_tokens_details", usage.get("input_tokens_details"))
        taken = usage.get("completion_tokens_details", usage.get("output_tokens_details"))
        cached = audio = reasoning = 0  # read inline: every chat body has both details
        if isinstance(given, dict):
            cached = _count(given.get("cached_tokens"))
            audio = _count(given.get("audio_tokens"))
        if isinstance(taken, dict):
            reasoning = _count(taken.get("reasoning_tokens"))
            audio += _count(taken.get("audio_tokens"))
        return cls(prompt, completion, total, cached, reasoning, audio)


def _count(value: Any) -> int:
    """A count from a ``*_tokens_details`` object; 0 when absent or not a count."""
    return value if type(value) is int and value > 0 else 0

"""Token usage, from a response body or a stream's last chunk."""

from __future__ import annotations

from typing import Any, NamedTuple

_DETAILS = ("cached_tokens", "reasoning_tokens", "audio_tokens")


class Usage(NamedTuple):
    """Tokens of one call (or the sum of several); immutable, and cheap to make (a named
    tuple: every answer with a body makes one).

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

    def __add__(self, other: Usage) -> Usage:  # type: ignore[override]
        """The counts of both, added (not the tuples joined)."""
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
        get = usage.get
        prompt = get("prompt_tokens", _ABSENT)
        if prompt is _ABSENT:
            prompt = get("input_tokens", 0)
        completion = get("completion_tokens", _ABSENT)
        if completion is _ABSENT:
            completion = get("output_tokens", 0)
        prompt = prompt or 0
        completion = completion or 0
        if type(prompt) is not int or type(completion) is not int:
            return None  # not the shape we know: no usage rather than a wrong one
        total = get("total_tokens") or prompt + completion
        if type(total) is not int:
            return None
        if len(usage) <= 3:  # the common body: no details to look for
            return cls(prompt, completion, total)
        given = get("prompt_tokens_details") or get("input_tokens_details")
        taken = get("completion_tokens_details") or get("output_tokens_details")
        cached = audio = reasoning = 0  # read inline: every chat body has both details
        if type(given) is dict:
            cached = given.get("cached_tokens") or 0
            audio = given.get("audio_tokens") or 0
            if type(cached) is not int or cached < 0:
                cached = 0
            if type(audio) is not int or audio < 0:
                audio = 0
        if type(taken) is dict:
            reasoning = taken.get("reasoning_tokens") or 0
            spoken = taken.get("audio_tokens") or 0
            if type(reasoning) is not int or reasoning < 0:
                reasoning = 0
            if type(spoken) is int and spoken > 0:
                audio += spoken
        return cls(prompt, completion, total, cached, reasoning, audio)


_ABSENT: Any = object()

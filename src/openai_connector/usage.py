"""Token usage, from a response body or a stream's last chunk."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
        )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

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
        return cls(prompt, completion, total) if type(total) is int else None

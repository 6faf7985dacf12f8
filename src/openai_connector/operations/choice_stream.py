"""Rebuilding a body from a stream of ``choices`` chunks (chat and text completions).

The provider streams partial choices; an assembler keeps each choice's state, yields the new
text of choice 0 as it arrives, and at the end builds the body a plain call would return.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import StreamInterrupted
from ..streaming import StreamChunk, parse_event
from ..transport.sse import SseEvent


class ChoiceStreamAssembler:
    """The shared part: ``[DONE]``, error events, the head fields, usage, per-choice state."""

    __slots__ = ("_choices", "_head", "_usage", "complete")
    operation_id: ClassVar[str] = ""
    object_name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.complete = False
        self._head: dict[str, Any] = {}
        self._choices: dict[int, dict[str, Any]] = {}
        self._usage: Any = None

    def _new_state(self) -> dict[str, Any]:
        return {"parts": [], "finish_reason": None}

    def _add_choice(self, state: dict[str, Any], choice: dict[str, Any]) -> str | None:
        """Merge one partial choice into its state; return its new text, if any."""
        raise NotImplementedError

    def _choice_body(self, index: int, state: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def add(self, event: SseEvent) -> StreamChunk | None:
        if event.data == "[DONE]":
            self.complete = True
            return None
        data = parse_event(event)
        if not isinstance(data, dict):
            return StreamChunk(data)
        if "error" in data and "choices" not in data:
            error = data["error"] if isinstance(data["error"], dict) else {}
            raise StreamInterrupted(
                f"{self.operation_id}: the provider broke off the stream: "
                f"{error.get('message', data)}"
            )
        if not self._head:
            self._head = {k: data.get(k) for k in ("id", "created", "model")}
        if data.get("system_fingerprint") is not None:
            self._head["system_fingerprint"] = data["system_fingerprint"]
        if data.get("usage"):
            self._usage = data["usage"]
        text = None
        for choice in data.get("choices") or ():
            index = choice.get("index", 0)
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = self._new_state()
            piece = self._add_choice(state, choice)
            if piece and index == 0:
                text = piece
            if choice.get("finish_reason"):
                state["finish_reason"] = choice["finish_reason"]
        return StreamChunk(data, text)

    def body(self) -> dict[str, Any]:
        choices = [self._choice_body(i, self._choices[i]) for i in sorted(self._choices)]
        body = {**self._head, "object": self.object_name, "choices": choices}
        if self._usage is not None:
            body["usage"] = self._usage
        return body

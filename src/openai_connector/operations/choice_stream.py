"""Rebuilding a body from a stream of ``choices`` chunks (chat and text completions).

The provider streams partial choices; an assembler keeps each choice's state, yields the new
text of choice 0 as it arrives, and at the end builds the body a plain call would return.

Nothing a server sends sizes a structure unchecked: a choice ``index`` (or a tool call's)
must be an integer below :data:`MAX_CHOICES` (:data:`MAX_TOOL_CALLS`), and every field
has the type the API documents; anything else is :class:`InvalidResponse`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..bounded_json import loads
from ..errors import InvalidResponse, StreamInterrupted
from ..stream_events import StreamChunk, is_done, parse_event

if TYPE_CHECKING:
    from ..transport.sse import SseEvent

MAX_CHOICES = 128
"""The API's largest ``n``: a choice index must be below it."""
MAX_TOOL_CALLS = 128
"""The API's largest number of tools: a tool call index must be below it."""


class EventShape:
    """Checks on the values of one event, raising :class:`InvalidResponse` naming the field."""

    __slots__ = ("operation_id",)

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id

    def wrong(self, field: str, value: Any, expected: str) -> InvalidResponse:
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return InvalidResponse(
            f"{self.operation_id}: the stream sent {field} = {shown}; expected {expected}"
        )

    def index(self, value: Any, field: str, bound: int) -> int:
        if type(value) is not int or not 0 <= value < bound:
            raise self.wrong(field, value, f"an integer from 0 to {bound - 1}")
        return value

    def mapping(self, value: Any, field: str, *, null: bool = True) -> dict[str, Any]:
        """An object; null counts as empty where ``null`` allows it."""
        if value is None and null:
            return {}
        if type(value) is not dict:
            raise self.wrong(field, value, "an object")
        return value

    def items(self, value: Any, field: str) -> list[Any]:
        """An array; null counts as empty."""
        if value is None:
            return []
        if type(value) is not list:
            raise self.wrong(field, value, "an array")
        return value

    def text(self, value: Any, field: str) -> str | None:
        if value is None or type(value) is str:
            return value
        raise self.wrong(field, value, "a string")


class ChoiceStreamAssembler:
    """The shared part: ``[DONE]``, error events, the head fields, usage, per-choice state."""

    __slots__ = ("_choices", "_head", "_shape", "_usage", "complete")
    operation_id: ClassVar[str] = ""
    object_name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.complete = False
        self._head: dict[str, Any] = {}
        self._choices: dict[int, dict[str, Any]] = {}
        self._usage: Any = None
        self._shape = EventShape(self.operation_id)

    def _new_state(self) -> dict[str, Any]:
        return {"parts": [], "finish_reason": None}

    def _add_choice(self, state: dict[str, Any], choice: dict[str, Any]) -> str | None:
        """Merge one partial choice into its state; return its new text, if any."""
        raise NotImplementedError

    def _choice_body(self, index: int, state: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def add(self, event: SseEvent) -> StreamChunk | None:
        if self.complete:
            return None  # events after [DONE] are not part of the answer
        text = event.data
        if text[:1] != "{" and is_done(event):  # an object is never [DONE]
            self.complete = True
            return None
        try:
            data = loads(text)
        except ValueError:
            data = parse_event(event)  # raises the stream's own InvalidResponse
        if type(data) is not dict:
            return StreamChunk(data)
        if "error" in data and "choices" not in data:
            error = data["error"] if type(data["error"]) is dict else {}
            raise StreamInterrupted(
                f"{self.operation_id}: the provider broke off the stream: "
                f"{error.get('message', data)}"
            )
        head = self._head
        if not head:
            head = self._head = {k: data.get(k) for k in ("id", "created", "model")}
        fingerprint = data.get("system_fingerprint")
        if fingerprint is not None:
            head["system_fingerprint"] = fingerprint
        usage = data.get("usage")
        if usage:
            self._usage = usage  # an odd shape gives no Usage, as in a plain body
        choices = data.get("choices")
        if choices is None:
            return StreamChunk(data)
        if type(choices) is not list:
            raise self._shape.wrong("choices", choices, "an array")
        new_text = None
        states = self._choices
        for choice in choices:
            # checked inline (no calls, no field names built) while all is well: a hot loop
            if type(choice) is not dict:
                raise self._shape.wrong(_field(choices, choice), choice, "an object")
            index = choice.get("index", 0)
            if type(index) is not int or not 0 <= index < MAX_CHOICES:
                self._shape.index(index, _field(choices, choice, ".index"), MAX_CHOICES)
            state = states.get(index)
            if state is None:
                state = states[index] = self._new_state()
            piece = self._add_choice(state, choice)
            if piece and index == 0:
                new_text = piece
            reason = choice.get("finish_reason")
            if reason:
                if type(reason) is not str:
                    where = _field(choices, choice, ".finish_reason")
                    raise self._shape.wrong(where, reason, "a string")
                state["finish_reason"] = reason
        return StreamChunk(data, new_text)

    def body(self) -> dict[str, Any]:
        choices = [self._choice_body(i, self._choices[i]) for i in sorted(self._choices)]
        body = {**self._head, "object": self.object_name, "choices": choices}
        if self._usage is not None:
            body["usage"] = self._usage
        return body


def _field(choices: list[Any], choice: Any, name: str = "") -> str:
    """The name of a field of ``choice`` (the very object) in ``choices``, for an error."""
    number = next(i for i, item in enumerate(choices) if item is choice)
    return f"choices[{number}]{name}"

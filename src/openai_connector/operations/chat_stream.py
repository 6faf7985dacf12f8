"""Rebuilding a ``chat.completion`` body from ``chat.completion.chunk`` events."""

from __future__ import annotations

from typing import Any, ClassVar

from .choice_stream import MAX_TOOL_CALLS, ChoiceStreamAssembler, EventShape


class ChatStreamAssembler(ChoiceStreamAssembler):
    """Content, tool calls, legacy function calls, logprobs and Azure citations."""

    __slots__ = ()
    operation_id: ClassVar[str] = "chat.create"
    object_name: ClassVar[str] = "chat.completion"

    def _new_state(self) -> dict[str, Any]:
        return {"parts": [], "finish_reason": None, "message": {}}

    def _add_choice(self, state: dict[str, Any], choice: dict[str, Any]) -> str | None:
        shape = self._shape
        delta = choice.get("delta")
        if type(delta) is not dict:
            delta = shape.mapping(delta, "delta")
        content = delta.get("content")
        # the usual delta is {"content": "text"}: one type test, one append
        if type(content) is str:
            if content:
                state["parts"].append(content)
            else:
                content = None
            if len(delta) > 1:
                self._merge(shape, state["message"], delta)
        elif content is None:
            self._merge(shape, state["message"], delta)
        elif content or len(delta) == 1:  # a non-string (a falsy one beside other fields
            raise shape.wrong("delta.content", content, "a string")  # is passed over)
        else:
            content = None
            self._merge(shape, state["message"], delta)
        logprobs = choice.get("logprobs")
        if logprobs:
            logprobs = shape.mapping(logprobs, "logprobs")
            content_logprobs = shape.items(logprobs.get("content"), "logprobs.content")
            state.setdefault("logprobs", []).extend(content_logprobs)
        return content

    @staticmethod
    def _merge(shape: EventShape, message: dict[str, Any], delta: dict[str, Any]) -> None:
        for key, value in delta.items():
            if key == "content" or value is None:
                continue
            if key == "tool_calls":
                calls = message.setdefault("tool_calls", [])
                for number, item in enumerate(shape.items(value, "delta.tool_calls")):
                    field = f"delta.tool_calls[{number}]"
                    call = shape.mapping(item, field, null=False)
                    i = shape.index(call.get("index", len(calls)), f"{field}.index", MAX_TOOL_CALLS)
                    while len(calls) <= i:
                        calls.append(
                            {
                                "id": None,
                                "type": "function",
                                "function": {"name": "", "arguments": ""},
                            }
                        )
                    target = calls[i]
                    call_id = shape.text(call.get("id"), f"{field}.id")
                    if call_id:
                        target["id"] = call_id
                    _append_function(shape, target["function"], call.get("function"), field)
            elif key == "function_call":
                call = message.setdefault("function_call", {"name": "", "arguments": ""})
                _append_function(shape, call, value, "delta")
            elif key == "context" and isinstance(value, dict):
                # Azure On Your Data: citations and intent, possibly spread over chunks
                context = message.setdefault("context", {})
                for name, part in value.items():
                    if isinstance(part, list) and isinstance(context.get(name), list):
                        context[name] = context[name] + part
                    else:
                        context[name] = part
            elif isinstance(value, str) and isinstance(message.get(key), str):
                message[key] += value
            else:
                message[key] = value

    def _choice_body(self, index: int, state: dict[str, Any]) -> dict[str, Any]:
        message = {"role": "assistant", **state["message"]}
        message["content"] = "".join(state["parts"]) if state["parts"] else None
        return {
            "index": index,
            "message": message,
            "finish_reason": state["finish_reason"],
            "logprobs": {"content": state["logprobs"]} if "logprobs" in state else None,
        }


def _append_function(shape: EventShape, target: dict[str, str], function: Any, field: str) -> None:
    """Add a streamed piece of a function's name and arguments to what came before."""
    function = shape.mapping(function, f"{field}.function")
    target["name"] += shape.text(function.get("name"), f"{field}.function.name") or ""
    arguments = shape.text(function.get("arguments"), f"{field}.function.arguments")
    target["arguments"] += arguments or ""

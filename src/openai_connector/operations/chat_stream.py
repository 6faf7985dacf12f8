"""Rebuilding a ``chat.completion`` body from ``chat.completion.chunk`` events."""

from __future__ import annotations

from typing import Any, ClassVar

from .choice_stream import ChoiceStreamAssembler


class ChatStreamAssembler(ChoiceStreamAssembler):
    """Content, tool calls, legacy function calls, logprobs and Azure citations."""

    __slots__ = ()
    operation_id: ClassVar[str] = "chat.create"
    object_name: ClassVar[str] = "chat.completion"

    def _new_state(self) -> dict[str, Any]:
        return {"parts": [], "finish_reason": None, "message": {}}

    def _add_choice(self, state: dict[str, Any], choice: dict[str, Any]) -> str | None:
        delta = choice.get("delta") or {}
        content = delta.get("content")
        if content:
            state["parts"].append(content)
        if len(delta) > 1 or content is None:
            self._merge(state["message"], delta)
        if choice.get("logprobs"):
            state.setdefault("logprobs", []).extend(choice["logprobs"].get("content") or [])
        return content if content else None

    @staticmethod
    def _merge(message: dict[str, Any], delta: dict[str, Any]) -> None:
        for key, value in delta.items():
            if key == "content" or value is None:
                continue
            if key == "tool_calls":
                calls = message.setdefault("tool_calls", [])
                for call in value:
                    i = call.get("index", len(calls))
                    while len(calls) <= i:
                        calls.append(
                            {
                                "id": None,
                                "type": "function",
                                "function": {"name": "", "arguments": ""},
                            }
                        )
                    target = calls[i]
                    if call.get("id"):
                        target["id"] = call["id"]
                    function = call.get("function") or {}
                    target["function"]["name"] += function.get("name") or ""
                    target["function"]["arguments"] += function.get("arguments") or ""
            elif key == "function_call":
                call = message.setdefault("function_call", {"name": "", "arguments": ""})
                call["name"] += value.get("name") or ""
                call["arguments"] += value.get("arguments") or ""
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

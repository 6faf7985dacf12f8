"""The Responses API: ``responses.create`` (streaming too), ``.retrieve`` and ``.delete``.

A streamed response arrives as named events (``response.created``,
``response.output_text.delta``, ... ``response.completed``); the assembler yields the text
deltas and ends with the final response object, exactly as ``response.completed`` carried it.
Both ways, the body gains ``output_text`` (all output text joined) when it lacks one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from ..constants import KNOWN_CHAT_MODELS
from ..errors import InvalidResponse, StreamInterrupted
from ..result import Result
from ..stream_events import StreamChunk, is_done, parse_event
from .base import Context, Operation, RequestSpec, local
from .choice_stream import EventShape
from .extras import HttpInput
from .limits import MAX_COUNT, MAX_TOKEN_COUNT, ModelName

if TYPE_CHECKING:
    from ..transport.sse import SseEvent

INPUT_ROLES = ("user", "assistant", "system", "developer")
METADATA_KEYS = 16


class TextFormat(BaseModel):
    """``text.format``: plain text, any JSON object, or JSON following a schema."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["text", "json_object", "json_schema"]
    name: str | None = Field(None, pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    description: str | None = None
    strict: bool | None = None

    @model_validator(mode="after")
    def _schema_when_needed(self) -> TextFormat:
        if self.type == "json_schema" and (self.name is None or self.schema_ is None):
            raise ValueError("type json_schema needs name and schema")
        return self


class TextOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: TextFormat | None = None
    verbosity: Literal["low", "medium", "high"] | None = None


class ReasoningOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = None
    summary: Literal["auto", "concise", "detailed"] | None = None
    generate_summary: Literal["auto", "concise", "detailed"] | None = None
    mode: str | None = None
    context: Literal["auto", "current_turn", "all_turns"] | None = None


class ResponsesCreateInput(HttpInput):
    model: ModelName | None = Field(
        None,
        description="Model name; default: the connection's",
        json_schema_extra={"examples": list(KNOWN_CHAT_MODELS)},
    )
    input: str | list[dict[str, Any]] = Field(
        description="A text (a user message), or a list of input items "
        "({role, content} messages, function_call_output, ...)",
    )
    instructions: str | None = Field(
        None,
        description="System (developer) message for this response",
        validation_alias=AliasChoices("instructions", "system"),
    )
    max_output_tokens: int | None = Field(
        None,
        ge=16,
        le=MAX_TOKEN_COUNT,
        description="Most tokens to generate, reasoning included (16 or more)",
    )
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    top_logprobs: int | None = Field(None, ge=0, le=20)
    tools: list[dict[str, Any]] | None = Field(
        None, description="Function tools and built-in tools (web_search, file_search, ...)"
    )
    tool_choice: Literal["none", "auto", "required"] | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    max_tool_calls: int | None = Field(None, ge=1, le=MAX_COUNT)
    text: TextOptions | None = Field(None, description="{format: {type: text|json_schema...}}")
    reasoning: ReasoningOptions | None = Field(None, description="{effort, summary}")
    previous_response_id: str | None = Field(
        None, min_length=1, description="Continue the conversation of this stored response"
    )
    store: bool | None = Field(None, description="Keep the response for retrieve (default on)")
    background: bool | None = None
    include: list[str] | None = Field(
        None, description="Extra output to include, e.g. message.output_text.logprobs"
    )
    metadata: dict[str, str] | None = Field(
        None, description="Up to 16 pairs; keys up to 64 and values up to 512 characters"
    )
    truncation: Literal["auto", "disabled"] | None = None
    service_tier: (
        Literal["auto", "default", "flex", "scale", "priority", "fast", "ultrafast"] | None
    ) = None
    user: str | None = None
    safety_identifier: str | None = Field(None, max_length=64)
    prompt_cache_key: str | None = None
    stream: bool = local(False, "Stream the response as it is generated")

    @field_validator("input")
    @classmethod
    def _input_items(cls, value: str | list[dict[str, Any]]) -> str | list[dict[str, Any]]:
        if value in ("", []):
            raise ValueError("give some input: a text or a list of input items")
        if isinstance(value, list):
            for position, item in enumerate(value):
                if "role" in item:
                    if item["role"] not in INPUT_ROLES:
                        raise ValueError(
                            f"item {position}: role must be one of {', '.join(INPUT_ROLES)}"
                        )
                    if item.get("content") in (None, "", []):
                        raise ValueError(f"item {position}: a message needs content")
                elif not isinstance(item.get("type"), str):
                    raise ValueError(f"item {position}: give a message {{role, content}} or a type")
        return value

    @field_validator("tools")
    @classmethod
    def _typed_tools(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        for position, tool in enumerate(value or ()):
            if not isinstance(tool.get("type"), str):
                raise ValueError(f"tool {position} needs a type (function, web_search, ...)")
            if tool["type"] == "function" and not tool.get("name"):
                raise ValueError(f"tool {position}: a function tool needs a name")
        return value

    @field_validator("tool_choice")
    @classmethod
    def _typed_choice(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if not isinstance(value.get("type"), str):
                raise ValueError("a forced tool choice has a type, e.g. {type: function, name}")
            if value["type"] == "function" and not value.get("name"):
                raise ValueError("a forced function choice names the function")
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata_limits(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return value
        if len(value) > METADATA_KEYS:
            raise ValueError(f"at most {METADATA_KEYS} pairs (got {len(value)})")
        for key, text in value.items():
            if len(key) > 64:
                raise ValueError(f"key {key[:20]!r}... is longer than 64 characters")
            if len(text) > 512:
                raise ValueError(f"the value of {key!r} is longer than 512 characters")
        return value


class ResponseIdInput(HttpInput):
    response_id: str = Field(
        min_length=1,
        description="The response's id (resp_...)",
        validation_alias=AliasChoices("response_id", "id"),
    )


class ResponseRetrieveInput(ResponseIdInput):
    include: list[str] | None = Field(None, description="Extra output to include")


def build_response(data: ResponsesCreateInput, context: Context) -> RequestSpec:
    body: dict[str, Any] = {"model": context.model(data.model)}
    body.update(
        data.model_dump(exclude_none=True, exclude={"model", "stream"}, mode="json", by_alias=True)
    )
    if data.stream:
        body["stream"] = True
    return RequestSpec("POST", json=body, stream=data.stream)


def output_text(response: dict[str, Any]) -> str:
    """All ``output_text`` parts of a response's message items, joined (odd shapes skipped)."""
    texts = []
    output = response.get("output")
    for item in output if type(output) is list else ():
        if isinstance(item, dict) and item.get("type") == "message":
            content = item.get("content")
            for part in content if type(content) is list else ():
                if isinstance(part, dict) and part.get("type") == "output_text":
                    text = part.get("text")
                    texts.append(text if type(text) is str else "")
    return "".join(texts)


def with_output_text(response: Any) -> Any:
    if isinstance(response, dict) and "output" in response and "output_text" not in response:
        return {**response, "output_text": output_text(response)}
    return response


def add_output_text(result: Result, data: Any, context: Context) -> Result:
    del data, context
    result.body = with_output_text(result.body)
    return result


RESPONSE_INDEX_FIELDS = (
    "output_index",
    "content_index",
    "summary_index",
    "annotation_index",
    "partial_image_index",
)
MAX_RESPONSE_INDEX = 10_000
"""Indexes into a response's output items and their parts must be below this."""


class ResponsesStreamAssembler:
    """Text deltas as they come; at ``response.completed``, the final response object."""

    __slots__ = ("_response", "_shape", "complete")

    def __init__(self) -> None:
        self.complete = False
        self._response: dict[str, Any] | None = None
        self._shape = EventShape("responses.create")

    def add(self, event: SseEvent) -> StreamChunk | None:
        if self.complete or is_done(event):  # [DONE]: not sent by OpenAI; some servers add it
            return None
        data = parse_event(event)
        shape = self._shape
        if type(data) is not dict:
            if event.event in ("response.completed", "error") or (event.event or "").startswith(
                "response.output_text"
            ):
                raise shape.wrong(f"the {event.event} event", data, "an object")
            return StreamChunk(data, None, event.event)
        kind = shape.text(data.get("type"), "type") or event.event
        for field in RESPONSE_INDEX_FIELDS:
            if field in data:
                shape.index(data[field], field, MAX_RESPONSE_INDEX)
        if kind == "response.output_text.delta":
            return StreamChunk(data, shape.text(data.get("delta"), "delta") or None, kind)
        if kind == "response.completed":
            self._response = shape.mapping(data.get("response"), "response")
            self.complete = True
        elif kind in ("response.failed", "response.incomplete"):
            self._stopped(shape, kind, shape.mapping(data.get("response"), "response"))
        elif kind == "error":
            raise StreamInterrupted(
                "responses.create: the provider broke off the stream: "
                f"{data.get('message') or data.get('code') or data}"
            )
        return StreamChunk(data, None, kind)

    @staticmethod
    def _stopped(shape: EventShape, kind: str, response: dict[str, Any]) -> None:
        body = with_output_text(response)
        if kind == "response.failed":
            error = shape.mapping(response.get("error"), "response.error")
            detail = f"{error.get('code') or 'error'}: {error.get('message') or 'no message'}"
            message = f"responses.create: the response failed ({detail})"
        else:
            details = shape.mapping(response.get("incomplete_details"), "incomplete_details")
            reason = details.get("reason") or "unknown"
            message = (
                f"responses.create: the response is incomplete (reason: {reason}); "
                "the partial response is in the error's result"
            )
            if reason == "max_output_tokens":
                message += "; raise max_output_tokens"
        raise InvalidResponse(message, result=Result(200, {}, body, extra={"streamed": True}))

    def body(self) -> dict[str, Any]:
        assert self._response is not None
        body: dict[str, Any] = with_output_text(self._response)
        return body


OPERATIONS = (
    Operation(
        id="responses.create",
        summary="Create a model response (Responses API): text, tools, state, streaming",
        input=ResponsesCreateInput,
        method="POST",
        path="/responses",
        keywords=(
            "responses",
            "response",
            "create",
            "generate",
            "prompt",
            "tools",
            "reasoning",
            "stateful",
            "conversation",
            "stream",
        ),
        build=build_response,
        post_process=add_output_text,
        assembler=ResponsesStreamAssembler,
    ),
    Operation(
        id="responses.retrieve",
        summary="Get a stored model response by id",
        input=ResponseRetrieveInput,
        method="GET",
        path="/responses/{response_id}",
        keywords=("responses", "response", "retrieve", "get", "stored"),
        post_process=add_output_text,
    ),
    Operation(
        id="responses.delete",
        summary="Delete a stored model response",
        input=ResponseIdInput,
        method="DELETE",
        path="/responses/{response_id}",
        keywords=("responses", "response", "delete", "remove", "stored"),
    ),
)

"""Chat completions (``chat.create``), as the Camunda OpenAI connector defines it.

The conversation is built from ``system``, ``history`` and ``prompt`` (appended as the last
user message), or given whole as ``history``. Everything the Chat Completions API accepts
is passed on; the limits it documents are checked before anything is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from ..constants import KNOWN_CHAT_MODELS, MAX_COMPLETION_TOKENS_PREFIXES
from ..errors import InvalidResponse
from ..local_files import LocalFiles
from ..result import Result
from . import limits
from .base import Context, Operation, RequestSpec, local
from .chat_stream import ChatStreamAssembler
from .extras import HttpInput
from .limits import MAX_TOKEN_COUNT, ModelName, Seed
from .messages import ContentPart, Message, image_part, parse_history

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    description: str | None = None
    strict: bool | None = None


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None

    @model_validator(mode="after")
    def _schema_when_needed(self) -> ResponseFormat:
        if self.type == "json_schema" and self.json_schema is None:
            raise ValueError("type json_schema needs json_schema: {name, schema, strict}")
        return self


class FunctionDef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["function"] = "function"
    function: FunctionDef


class DataSourcesAsGiven:
    """``data_sources`` is taken as given and checked when the request is built (by
    :func:`.data_sources.check_data_sources`, which knows the api-version); its models are
    built only then, or when the input's JSON schema is asked for: not on every start-up."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.any_schema()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        from .data_sources import DataSource

        return handler(TypeAdapter(list[DataSource]).core_schema)


class ChatInput(HttpInput):
    model: ModelName | None = Field(
        None,
        description="Model name, or on Azure the deployment name; default: the connection's",
        json_schema_extra={"examples": list(KNOWN_CHAT_MODELS)},
        validation_alias=AliasChoices("model", "deployment"),
    )
    prompt: str | list[ContentPart] | None = Field(
        None, description="Appended to the conversation as the last user message"
    )
    system: str | None = Field(
        None,
        description="System message, placed first",
        validation_alias=AliasChoices("system", "system_message", "systemMessage"),
    )
    history: list[Message] | None = Field(
        None,
        description="Earlier messages: a list of {role, content} or its JSON text",
        validation_alias=AliasChoices("history", "messages", "chat_history", "chatHistory"),
    )
    images: list[str] | None = local(
        None, "Image URLs or local image paths (up to 20 MB each) added to the prompt (vision)"
    )
    image_detail: Literal["auto", "low", "high"] | None = local(None, "Detail for images")
    temperature: float | None = Field(None, ge=0, le=2, description="0 to 2, two decimals")
    top_p: float | None = Field(None, ge=0, le=1)
    n: int | None = Field(
        None,
        ge=1,
        le=128,
        description="How many choices to generate",
        validation_alias=AliasChoices("n", "choices"),
    )
    max_tokens: int | None = Field(
        None,
        ge=1,
        le=MAX_TOKEN_COUNT,
        description="Sent as max_completion_tokens where the model requires it",
    )
    max_completion_tokens: int | None = Field(None, ge=1, le=MAX_TOKEN_COUNT)
    stop: str | list[str] | None = Field(None, description="Up to 4 stop sequences")
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    logit_bias: dict[str, int] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    seed: Seed | None = None
    user: str | None = None
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = Field(None, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    functions: list[FunctionDef] | None = Field(None, max_length=128)
    function_call: Literal["none", "auto"] | dict[str, Any] | None = None
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None
    store: bool | None = None
    metadata: dict[str, str] | None = None
    service_tier: str | None = None
    data_sources: Annotated[list[Any], DataSourcesAsGiven] | None = Field(
        None,
        description="Azure: chat on your own data: azure_search or azure_cosmos_db sources "
        "with their authentication, as the 2024-10-21 API defines them",
    )
    stream: bool = local(False, "Stream the answer as it is generated")

    _check_temperature = limits.check("temperature", limits.two_decimals)

    @field_serializer("data_sources")
    def _as_given(self, value: Any) -> Any:
        return value  # not validated yet (see data_sources): dumped as given

    @field_validator("history", mode="before")
    @classmethod
    def _history_json(cls, value: Any) -> Any:
        return parse_history(value)

    _check_stop = limits.check("stop", limits.stop_sequences)
    _check_logit_bias = limits.check("logit_bias", limits.logit_bias)

    @field_validator("tool_choice", "function_call")
    @classmethod
    def _named_function(cls, value: Any) -> Any:
        if isinstance(value, dict):
            name = value.get("function", value).get("name")
            if not isinstance(name, str) or not name:
                raise ValueError("a forced choice names the function: {function: {name}}")
        return value

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, value: Any) -> Any:
        if isinstance(value, str) and value and not value.strip():
            raise ValueError("the prompt is blank (only white space): give some text")
        return value

    @model_validator(mode="after")
    def _something_to_say(self) -> ChatInput:
        if self.prompt in (None, "", []) and not self.history:
            raise ValueError("give a prompt or a chat history")
        return self


def _wants_max_completion_tokens(model: str) -> bool:
    return model.startswith(MAX_COMPLETION_TOKENS_PREFIXES)


def messages_of(data: ChatInput, files: LocalFiles) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if data.system:
        messages.append({"role": "system", "content": data.system})
    for message in data.history or ():
        messages.append(message.model_dump(exclude_none=True, mode="json"))
    if data.prompt not in (None, "", []) or data.images:
        content: Any = data.prompt
        if data.images:
            parts: list[dict[str, Any]] = (
                [{"type": "text", "text": data.prompt}] if isinstance(data.prompt, str) else []
            )
            if isinstance(data.prompt, list):
                parts = [p.model_dump(mode="json") for p in data.prompt]
            try:
                parts += [image_part(image, data.image_detail, files) for image in data.images]
            except ValueError as exc:
                from ..errors import InvalidInput

                raise InvalidInput(f"images: {exc}", field="images") from None
            content = parts
        elif isinstance(content, list):
            content = [p.model_dump(mode="json") for p in content]
        messages.append({"role": "user", "content": content})
    return messages


_CONVERSATION_FIELDS: set[str] = set(
    {
        "model",
        "prompt",
        "system",
        "history",
        "images",
        "image_detail",
        "stream",
        "max_tokens",
        "data_sources",
    }
)
_DEFAULTS_SENT = frozenset(
    name
    for name, info in ChatInput.model_fields.items()
    if info.default is not None and name not in _CONVERSATION_FIELDS
)
"""Fields sent even when not given, because their default is not None (none today)."""


def _sent_fields(data: ChatInput) -> dict[str, Any]:
    """``model_dump(exclude_none=True, exclude=_CONVERSATION_FIELDS)``, dumping only the
    fields given (the others hold None defaults, which would be left out anyway)."""
    names = (data.model_fields_set | _DEFAULTS_SENT) - _CONVERSATION_FIELDS
    if not names:
        return {}
    return data.model_dump(include=names, exclude_none=True, mode="json", by_alias=True)


def build_chat(data: ChatInput, context: Context) -> RequestSpec:
    model = context.model(data.model)
    messages = messages_of(data, context.files)
    body: dict[str, Any] = {"model": model, "messages": messages}
    body.update(_sent_fields(data))
    if data.max_tokens is not None:
        key = "max_completion_tokens" if _wants_max_completion_tokens(model) else "max_tokens"
        body.setdefault(key, data.max_tokens)
    if data.data_sources is not None:
        preview = context.connection.api_version.endswith("-preview")
        from .data_sources import check_data_sources  # its models are built on demand

        body["data_sources"] = check_data_sources(data.data_sources, preview=preview)
    if context.provider.feature_gates and any(m["role"] == "developer" for m in messages):
        context.require("developer role", "history")
    if data.stream:
        body["stream"] = True
        if context.connection.stream_usage:
            body["stream_options"] = {"include_usage": True}
    return RequestSpec("POST", json=body, stream=data.stream)


def _credentials(data_sources: list[Any] | None) -> list[str]:
    """The secrets in ``data_sources`` (to redact); none, without importing its models,
    when it is not given."""
    if data_sources is None:
        return []
    from .data_sources import credentials

    return credentials(data_sources)


def check_choices(result: Result, data: ChatInput, context: Context) -> Result:
    """A chat answer holds a list of choices; a 2xx body without one is not an answer."""
    body = result.body
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        raise InvalidResponse(
            f"chat.create: the server answered {result.status} with a body that is not a "
            "chat completion (no list of choices)",
            result=result,
            attempts=result.attempts,
        )
    return result


CHAT_CREATE = Operation(
    id="chat.create",
    summary="Chat completion: send a conversation, get the model's answer",
    input=ChatInput,
    method="POST",
    path="/chat/completions",
    routed_by_model=True,
    features=(
        ("data_sources", "data_sources"),
        ("reasoning_effort", "reasoning_effort"),
        ("store", "store"),
        ("metadata", "metadata"),
    ),
    keywords=(
        "chat",
        "completion",
        "gpt",
        "prompt",
        "message",
        "conversation",
        "vision",
        "tools",
        "function",
        "json",
        "stream",
    ),
    build=build_chat,
    post_process=check_choices,
    assembler=ChatStreamAssembler,
    credentials=lambda data: _credentials(data.data_sources),
)

OPERATIONS = (CHAT_CREATE,)

"""Legacy text completions (``completions.create``): a prompt in, its continuation out.

The limits the Completions API documents are checked before anything is sent. A streamed
call is rebuilt into the ``text_completion`` body a plain call returns, with the usage of
the stream's last chunk.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import AliasChoices, Field, ValidationInfo, field_validator

from ..errors import InvalidInput
from . import limits
from .base import Context, Operation, RequestSpec, local
from .choice_stream import ChoiceStreamAssembler
from .extras import HttpInput
from .limits import MAX_TOKEN_COUNT, ModelName, Seed, TokenId

LEGACY_COMPLETION_MODELS = ("gpt-3.5-turbo-instruct", "davinci-002", "babbage-002")

Prompt = str | list[str] | list[TokenId] | list[list[TokenId]]


class CompletionsInput(HttpInput):
    model: ModelName | None = Field(
        None,
        description="Model name, or on Azure the deployment name; default: the connection's",
        json_schema_extra={"examples": list(LEGACY_COMPLETION_MODELS)},
        validation_alias=AliasChoices("model", "deployment"),
    )
    prompt: Prompt = Field(
        description="The text to continue: a string, a list of strings, or token arrays"
    )
    suffix: str | None = Field(None, description="Text that comes after the completion")
    max_tokens: int | None = Field(
        None, ge=0, le=MAX_TOKEN_COUNT, description="Most tokens to generate"
    )
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    n: int | None = Field(None, ge=1, le=128, description="Completions per prompt")
    stop: str | list[str] | None = Field(None, description="Up to 4 stop sequences")
    logprobs: int | None = Field(
        None, ge=0, le=5, description="Log probabilities of the most likely tokens (0 to 5)"
    )
    echo: bool | None = Field(None, description="Return the prompt with the completion")
    best_of: int | None = Field(
        None, ge=0, le=20, description="Candidates generated server-side; at least n"
    )
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    logit_bias: dict[str, int] | None = Field(None, description="Token id -> bias from -100 to 100")
    seed: Seed | None = None
    user: str | None = None
    stream: bool = local(False, "Stream the completion as it is generated")

    @field_validator("prompt")
    @classmethod
    def _some_prompt(cls, value: Prompt) -> Prompt:
        if isinstance(value, list):
            if not value:
                raise ValueError("give a prompt: a string or a non-empty list")
            if any(isinstance(item, list) and not item for item in value):
                raise ValueError("token arrays must not be empty")
        return value

    _check_stop = limits.check("stop", limits.stop_sequences)
    _check_logit_bias = limits.check("logit_bias", limits.logit_bias)

    @field_validator("best_of")
    @classmethod
    def _at_least_n(cls, value: int | None, info: ValidationInfo) -> int | None:
        n = info.data.get("n") or 1
        if value is not None and value < n:
            raise ValueError(f"best_of ({value}) must be at least n ({n})")
        return value


_NOT_SENT_AS_IS = {"model", "stream"}


def build_completions(data: CompletionsInput, context: Context) -> RequestSpec:
    if data.stream and (data.best_of or 0) > 1:
        raise InvalidInput(
            "completions.create: best_of: above 1 it cannot be streamed",
            field="best_of",
            hint="leave best_of out (or 1) to stream, or do not stream",
        )
    model = context.model(data.model, kind="completion")
    body: dict[str, Any] = {"model": model}
    body.update(data.model_dump(exclude_none=True, exclude=_NOT_SENT_AS_IS, mode="json"))
    if data.stream:
        body["stream"] = True
        if context.connection.stream_usage:
            body["stream_options"] = {"include_usage": True}
    return RequestSpec("POST", json=body, stream=data.stream)


class CompletionsStreamAssembler(ChoiceStreamAssembler):
    """Rebuilds a ``text_completion`` body from the streamed ``text_completion`` chunks."""

    __slots__ = ()
    operation_id: ClassVar[str] = "completions.create"
    object_name: ClassVar[str] = "text_completion"

    def _add_choice(self, state: dict[str, Any], choice: dict[str, Any]) -> str | None:
        piece = self._shape.text(choice.get("text"), "text")
        if piece:
            state["parts"].append(piece)
        if choice.get("logprobs"):
            merged = state.setdefault("logprobs", {})
            for key, values in self._shape.mapping(choice["logprobs"], "logprobs").items():
                if isinstance(values, list):
                    merged.setdefault(key, []).extend(values)
        return piece if piece else None

    def _choice_body(self, index: int, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "index": index,
            "text": "".join(state["parts"]),
            "logprobs": state.get("logprobs"),
            "finish_reason": state["finish_reason"],
        }


COMPLETIONS_CREATE = Operation(
    id="completions.create",
    summary="Legacy text completion: continue a prompt (gpt-3.5-turbo-instruct, davinci-002)",
    input=CompletionsInput,
    method="POST",
    path="/completions",
    routed_by_model=True,
    keywords=(
        "completion",
        "complete",
        "text",
        "prompt",
        "legacy",
        "instruct",
        "davinci",
        "suffix",
        "logprobs",
        "stream",
    ),
    build=build_completions,
    assembler=CompletionsStreamAssembler,
)

OPERATIONS = (COMPLETIONS_CREATE,)

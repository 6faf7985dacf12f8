"""Edits (``edits.create``): given a text and an instruction, return the edited text.

The provider's ``/edits`` endpoint was retired (with its ``text-davinci-edit-001`` model), so
this operation runs on chat completions: the instruction is the system message and the input
is the user message. The request is built by :func:`.chat.build_chat`, so it follows every
chat rule (Azure deployments, ``max_completion_tokens`` models); the body is the
``chat.completion`` the provider sent, with the edited text in
``choices[i].message.content``.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from ..constants import KNOWN_CHAT_MODELS
from ..result import Result
from . import limits
from .base import Context, Operation, RequestSpec
from .chat import ChatInput, build_chat
from .extras import HttpInput
from .limits import ModelName

DOCS = """\
OpenAI retired the Edits API (`POST /v1/edits` and the `text-davinci-edit-001` and
`code-davinci-edit-001` models); the Azure 2024-10-21 API has no edits endpoint either.
`edits.create` keeps the operation ("given a prompt and an instruction, return the edited
prompt") by sending a chat completion: `instruction` becomes the system message and `input`
the user message; `model`, `temperature`, `top_p` and `n` are passed on. The request goes to
`/chat/completions` (OpenAI) or `/deployments/{deployment}/chat/completions` (Azure), so
`model` names a chat model or deployment. The result body is the provider's
`chat.completion`: the edited text is `choices[i].message.content` (`result.text` for the
first); `meta.implemented_with` says `chat.create`.
"""


class EditsInput(HttpInput):
    input: str = Field(
        min_length=1,
        description="The text to edit",
        validation_alias=AliasChoices("input", "prompt", "text"),
    )
    instruction: str = Field(
        min_length=1, description="How to edit it, e.g. 'Fix the spelling mistakes'"
    )
    model: ModelName | None = Field(
        None,
        description="A chat model, or on Azure its deployment name; default: the connection's",
        json_schema_extra={"examples": list(KNOWN_CHAT_MODELS)},
        validation_alias=AliasChoices("model", "deployment"),
    )
    temperature: float | None = Field(None, ge=0, le=2, description="0 to 2, two decimals")
    top_p: float | None = Field(None, ge=0, le=1)
    n: int | None = Field(None, ge=1, le=128, description="How many edits to return")

    _check_temperature = limits.check("temperature", limits.two_decimals)


def build_edit(data: EditsInput, context: Context) -> RequestSpec:
    chat = ChatInput(
        model=data.model,
        system=data.instruction,
        prompt=data.input,
        temperature=data.temperature,
        top_p=data.top_p,
        n=data.n,
    )
    return build_chat(chat, context)


def note_chat(result: Result, data: EditsInput, context: Context) -> Result:
    del data, context
    result.extra["implemented_with"] = "chat.create"
    return result


EDITS_CREATE = Operation(
    id="edits.create",
    summary="Edit a text following an instruction (runs on chat completions)",
    input=EditsInput,
    method="POST",
    path="/chat/completions",
    routed_by_model=True,
    keywords=("edit", "edits", "rewrite", "instruction", "correct", "fix", "transform"),
    build=build_edit,
    post_process=note_chat,
    docs=DOCS,
)

OPERATIONS = (EDITS_CREATE,)

"""Embeddings (``embeddings.create``): text (or token arrays) in, vectors of floats out.

Unless the call asks for ``encoding_format: float``, the connector asks for ``base64``, as
the official SDK does: the provider sends each vector as little-endian float32 bytes in
base64 (3-4 times less on the wire than JSON numbers) and the connector decodes them, so the
body a caller gets always holds lists of floats (a server that answers with floats anyway
is read as it is).
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from ..errors import InvalidResponse
from ..result import Result
from .base import Context, Operation, RequestSpec
from .extras import HttpInput
from .limits import MAX_COUNT, ModelName, TokenId

MAX_INPUTS = 2048
EMBEDDING_MODELS = ("text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002")

EmbeddingInput = str | list[str] | list[TokenId] | list[list[TokenId]]


class EmbeddingsInput(HttpInput):
    input: EmbeddingInput = Field(
        description=f"A text, a list of up to {MAX_INPUTS} texts, or token arrays; "
        "no empty strings",
        validation_alias=AliasChoices("input", "text", "texts"),
    )
    model: ModelName | None = Field(
        None,
        description="Model name, or on Azure the deployment name; default: the connection's",
        json_schema_extra={"examples": list(EMBEDDING_MODELS)},
        validation_alias=AliasChoices("model", "deployment"),
    )
    dimensions: int | None = Field(
        None,
        ge=1,
        le=MAX_COUNT,
        description="Length of the vectors (text-embedding-3 models and later)",
    )
    encoding_format: Literal["float", "base64"] | None = Field(
        None,
        description="How vectors travel: base64 (the default, smaller on the wire) is decoded "
        "to floats for you",
    )
    user: str | None = None

    @field_validator("input")
    @classmethod
    def _documented_limits(cls, value: EmbeddingInput) -> EmbeddingInput:
        if value == "":
            raise ValueError("the text must not be empty")
        if isinstance(value, list):
            if not value:
                raise ValueError("give at least one text")
            if len(value) > MAX_INPUTS:
                raise ValueError(
                    f"at most {MAX_INPUTS} inputs per request (got {len(value)}); split them"
                )
            for position, item in enumerate(value):
                if item in ("", []):
                    raise ValueError(f"input {position} is empty; every input needs content")
        return value


def build_embeddings(data: EmbeddingsInput, context: Context) -> RequestSpec:
    model = context.model(data.model, kind="embedding")
    body: dict[str, Any] = {"input": data.input, "model": model}
    body.update(data.model_dump(exclude_none=True, exclude={"input", "model"}, mode="json"))
    body.setdefault("encoding_format", "base64")
    return RequestSpec("POST", json=body)


def decode_vector(encoded: str, position: int) -> list[float]:
    """A base64 string of little-endian float32 values, as a list of floats."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError(f"embedding {position} is not valid base64") from None
    if len(raw) % 4:
        raise ValueError(
            f"embedding {position} has {len(raw)} bytes, not a whole number of float32 values"
        )
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def decode_base64_embeddings(result: Result, data: EmbeddingsInput, context: Context) -> Result:
    """After a base64 call: every embedding as a list of floats, the rest of the body as sent."""
    del context
    body = result.body
    if data.encoding_format == "float" or not isinstance(body, dict):
        return result
    items = body.get("data")
    if not isinstance(items, list):
        return result
    decoded = []
    changed = False
    for position, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("embedding"), str):
            try:
                vector = decode_vector(item["embedding"], position)
            except ValueError as exc:
                raise InvalidResponse(
                    f"embeddings.create: {exc}", result=result, attempts=result.attempts
                ) from None
            decoded.append({**item, "embedding": vector})
            changed = True
        else:
            decoded.append(item)
    if changed:
        result.body = {**body, "data": decoded}
        result.extra["encoding"] = "base64 decoded"
    return result


EMBEDDINGS_CREATE = Operation(
    id="embeddings.create",
    summary="Embed text: one vector of floats per input, for search and similarity",
    input=EmbeddingsInput,
    method="POST",
    path="/embeddings",
    routed_by_model=True,
    keywords=(
        "embeddings",
        "embedding",
        "embed",
        "vector",
        "similarity",
        "search",
        "semantic",
        "base64",
        "dimensions",
    ),
    build=build_embeddings,
    post_process=decode_base64_embeddings,
)

OPERATIONS = (EMBEDDINGS_CREATE,)

"""Models: list the models available, look one up, delete a fine-tuned one."""

from __future__ import annotations

from pydantic import Field

from .base import Operation
from .extras import HttpInput
from .limits import ModelName


class ModelsListInput(HttpInput):
    pass


class ModelIdInput(HttpInput):
    model: ModelName = Field(description="Model id, e.g. gpt-4o-mini or ft:gpt-4o-mini:org::id")


OPERATIONS = (
    Operation(
        id="models.list",
        summary="List the models the key can use",
        input=ModelsListInput,
        method="GET",
        path="/models",
        keywords=("models", "list", "available"),
    ),
    Operation(
        id="models.retrieve",
        summary="Describe one model",
        input=ModelIdInput,
        method="GET",
        path="/models/{model}",
        keywords=("model", "retrieve", "get", "describe"),
    ),
    Operation(
        id="models.delete",
        summary="Delete a fine-tuned model you own",
        input=ModelIdInput,
        method="DELETE",
        path="/models/{model}",
        keywords=("model", "delete", "remove", "fine-tuned"),
    ),
)

"""Moderation (``moderation.create``): is this text (or image) harmful, and how?"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from .base import Operation
from .extras import HttpInput
from .limits import ModelName


class ModerationInput(HttpInput):
    input: str | list[str] | list[dict[str, Any]] = Field(
        description="Text, a list of texts, or multimodal parts (text and image_url)"
    )
    model: ModelName | None = Field(
        None,
        description="omni-moderation-latest (default) or text-moderation-latest",
        json_schema_extra={"examples": ["omni-moderation-latest", "text-moderation-latest"]},
    )

    @field_validator("input")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if value in ("", []):
            raise ValueError("give some text to check")
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for part in value:
                if part.get("type") not in ("text", "image_url"):
                    raise ValueError("multimodal parts are {type: text|image_url, ...}")
        return value


MODERATION_CREATE = Operation(
    id="moderation.create",
    summary="Classify text or images against the usage policies",
    input=ModerationInput,
    method="POST",
    path="/moderations",
    keywords=("moderation", "moderate", "safety", "policy", "harm", "filter", "classify"),
)

OPERATIONS = (MODERATION_CREATE,)

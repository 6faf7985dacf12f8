"""The JSON Schema of an operation's input, as the catalogue and its examples show it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..operations.base import Operation


def input_schema(op: Operation) -> dict[str, Any]:
    """The JSON Schema of an operation's input (validation mode, field aliases)."""
    from pydantic.json_schema import GenerateJsonSchema

    class _Lenient(GenerateJsonSchema):
        def handle_invalid_for_json_schema(self, schema: Any, error_info: str) -> Any:
            return {}

    return op.input.model_json_schema(schema_generator=_Lenient)

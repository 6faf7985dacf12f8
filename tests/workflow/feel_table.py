"""Shared helpers for the FEEL tables: evaluate with a fixed clock, compare exactly."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from openai_connector.workflow.feel import compile_expression

NOW = dt.datetime(2024, 3, 15, 10, 30, 0, tzinfo=dt.UTC)


def feel(text: str, variables: dict[str, Any] | None = None) -> Any:
    return compile_expression(text).evaluate(variables or {}, clock=lambda: NOW)


def same(actual: Any, expected: Any) -> bool:
    """Equal, and of the same JSON type (1 is not 1.0, True is not 1)."""
    return json.dumps(actual) == json.dumps(expected)

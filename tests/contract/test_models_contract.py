"""models.list / retrieve / delete against the OpenAI spec (Azure's data plane has none).

What the spec cannot check: the model id is any string, so only the path shape is validated.
"""

from __future__ import annotations

from typing import Any

import pytest
from spec_checks import run_valid


def test_list(openai_prism: dict[str, Any]) -> None:
    result = run_valid(openai_prism, "models.list", {})
    assert isinstance(result.body, dict) and "data" in result.body


@pytest.mark.parametrize("model", ["gpt-4o-mini", "ft:gpt-4o-mini:my-org:custom:abc123"])
def test_retrieve(openai_prism: dict[str, Any], model: str) -> None:
    run_valid(openai_prism, "models.retrieve", {"model": model})


def test_delete(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "models.delete", {"model": "ft:gpt-4o-mini:my-org:custom:abc123"})

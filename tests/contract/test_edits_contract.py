"""edits.create against the OpenAI and Azure (2024-10-21) specs, through Prism.

edits.create is sent as a chat completion (instruction = system message, input = user
message), so it is validated against the chat completions request schema of both specs.

What the specs cannot validate here: that the chat answer is an *edit* of the input (that
is the model's job); the two-decimal temperature rule (the connector's own, shared with
chat.create).
"""

from __future__ import annotations

from typing import Any

import pytest
from spec_checks import run_valid

pytestmark = pytest.mark.contract

MINIMAL = {"input": "What day of the wek is it?", "instruction": "Fix the spelling mistakes"}
FULL = {**MINIMAL, "temperature": 0.5, "top_p": 0.9, "n": 2}


def test_openai_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "edits.create", {"model": "gpt-4o-mini", **MINIMAL})


def test_openai_full(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "edits.create", {"model": "gpt-4o-mini", **FULL})


def test_azure_minimal(azure_prism: dict[str, Any]) -> None:
    run_valid(azure_prism, "edits.create", {"model": "gpt-4o", **MINIMAL})


def test_azure_full(azure_prism: dict[str, Any]) -> None:
    run_valid(azure_prism, "edits.create", {"model": "gpt-4o", **FULL})

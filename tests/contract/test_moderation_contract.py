"""moderation.create against the OpenAI spec; on Azure (no moderation endpoint) it fails
before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest
from prism_mock import PrismServer
from spec_checks import run_valid

from openai_connector import Connector, InvalidInput, UnsupportedOperation

PIXEL = "data:image/png;base64,iVBORw0KGgo="


@pytest.mark.parametrize(
    "params",
    [
        {"input": "I want to hurt someone"},
        {"input": ["first text", "second text"]},
        {"input": "some text", "model": "omni-moderation-latest"},
        {"input": "some text", "model": "text-moderation-latest"},
        {
            "input": [
                {"type": "text", "text": "Is this image fine?"},
                {"type": "image_url", "image_url": {"url": PIXEL}},
            ],
            "model": "omni-moderation-latest",
        },
    ],
    ids=["string", "list", "omni-model", "text-model", "multimodal"],
)
def test_openai_moderation(openai_prism: dict[str, Any], params: dict[str, Any]) -> None:
    result = run_valid(openai_prism, "moderation.create", params)
    assert isinstance(result.body, dict) and "results" in result.body


def test_invalid_moderation_input_never_reaches_prism(
    openai_prism: dict[str, Any], openai_prism_server: PrismServer
) -> None:
    before = openai_prism_server.requests_received()
    with Connector(**openai_prism) as connector:
        for bad in ({"input": ""}, {"input": []}, {}, {"input": [{"type": "audio"}]}):
            with pytest.raises(InvalidInput) as caught:
                connector.run("moderation.create", bad)
            assert caught.value.field == "input"
    assert openai_prism_server.requests_received() == before


def test_azure_has_no_moderation_and_says_so_before_sending(
    azure_prism: dict[str, Any], azure_prism_server: PrismServer
) -> None:
    before = azure_prism_server.requests_received()
    with Connector(**azure_prism) as connector, pytest.raises(UnsupportedOperation) as caught:
        connector.run("moderation.create", {"input": "some text"})
    assert "moderation" in str(caught.value).lower()
    assert azure_prism_server.requests_received() == before

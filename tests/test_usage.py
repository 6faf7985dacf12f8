"""Token usage read from the bodies the providers send."""

from __future__ import annotations

import pytest

from openai_connector import Usage


def test_chat_usage() -> None:
    body = {"usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}
    assert Usage.from_body(body) == Usage(5, 2, 7)


def test_responses_api_usage_and_missing_total() -> None:
    assert Usage.from_body({"usage": {"input_tokens": 3, "output_tokens": 4}}) == Usage(3, 4, 7)


@pytest.mark.parametrize(
    "body",
    [
        None,
        "text",
        {"usage": None},
        {"usage": {"prompt_tokens": "5", "completion_tokens": 2}},
        {"usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": "3"}},
        {"usage": {"prompt_tokens": True, "completion_tokens": 2}},
    ],
)
def test_unknown_shapes_give_no_usage_instead_of_failing(body: object) -> None:
    assert Usage.from_body(body) is None


def test_usage_adds_up() -> None:
    assert Usage(1, 2, 3) + Usage(4, 5, 9) == Usage(5, 7, 12)

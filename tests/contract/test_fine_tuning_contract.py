"""fine_tuning.jobs.* requests, validated against the OpenAI spec.

What the specs cannot validate, and why:

- Azure: the 2024-10-21 data-plane inference spec has no fine-tuning paths; every
  fine-tuning operation is refused on Azure before sending (tested below).
- ``fine_tuning.jobs.wait`` is a polling composite, not a request of its own: the spec can
  only judge each ``GET /fine_tuning/jobs/{id}`` it sends. Prism answers every poll with a
  placeholder job whose status never changes (``validating_files``), so the wait here ends
  on its timeout (on an injected clock, without sleeping); the progression through the
  statuses and the terminal states are tested against the scripted server
  (tests/operations/test_fine_tuning.py).
- Reinforcement graders are passed on as given (the connector checks only that ``grader``
  is there); the spec checks their shape, as below.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prism_mock import PrismServer
from spec_checks import NO_RETRY, run_valid

from openai_connector import AsyncConnector, Connector, RequestTimeout, UnsupportedOperation

JOB = "ftjob-abc123"
MINIMAL = {"model": "gpt-4o-mini-2024-07-18", "training_file": "file-train"}
FULL: dict[str, Any] = {
    **MINIMAL,
    "validation_file": "file-valid",
    "hyperparameters": {"n_epochs": 3, "batch_size": "auto", "learning_rate_multiplier": 0.5},
    "method": {
        "type": "supervised",
        "supervised": {
            "hyperparameters": {"n_epochs": "auto", "batch_size": 8, "learning_rate_multiplier": 2}
        },
    },
    "suffix": "x" * 64,
    "seed": 2147483647,
    "metadata": {"team": "search", "k" * 64: "v" * 512},
    "integrations": [
        {"type": "wandb", "wandb": {"project": "ft", "name": "run", "entity": "me", "tags": ["a"]}}
    ],
}
METHODS = [
    {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1, "n_epochs": 2, "batch_size": 4}}},
    {
        "type": "reinforcement",
        "reinforcement": {
            "grader": {
                "type": "string_check",
                "name": "exact",
                "input": "{{sample.output_text}}",
                "reference": "{{item.answer}}",
                "operation": "eq",
            },
            "hyperparameters": {"reasoning_effort": "low", "n_epochs": 1},
        },
    },
]


def test_create_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "fine_tuning.jobs.create", MINIMAL)


def test_create_full(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "fine_tuning.jobs.create", FULL)


@pytest.mark.parametrize("method", METHODS, ids=["dpo", "reinforcement"])
def test_create_with_other_methods(method: dict[str, Any], openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "fine_tuning.jobs.create", {**MINIMAL, "method": method})


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("fine_tuning.jobs.list", {}),
        ("fine_tuning.jobs.list", {"after": "ftjob-1", "limit": 5, "metadata": {"team": "a"}}),
        ("fine_tuning.jobs.retrieve", {"fine_tuning_job_id": JOB}),
        ("fine_tuning.jobs.cancel", {"fine_tuning_job_id": JOB}),
        ("fine_tuning.jobs.events", {"fine_tuning_job_id": JOB}),
        ("fine_tuning.jobs.events", {"fine_tuning_job_id": JOB, "after": "ev-1", "limit": 50}),
        ("fine_tuning.jobs.checkpoints", {"fine_tuning_job_id": JOB}),
        ("fine_tuning.jobs.checkpoints", {"fine_tuning_job_id": JOB, "after": "c-1", "limit": 3}),
    ],
)
def test_other_requests(
    operation: str, params: dict[str, Any], openai_prism: dict[str, Any]
) -> None:
    run_valid(openai_prism, operation, params)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_sends_only_valid_polls(
    openai_prism: dict[str, Any], openai_prism_server: PrismServer
) -> None:
    time = FakeTime()
    events: list[dict[str, Any]] = []
    before = openai_prism_server.requests_received()

    async def go() -> None:
        options = {**openai_prism, "retry": NO_RETRY, "sleep": time.sleep, "clock": time.clock}
        async with AsyncConnector(**options) as connector:
            await connector.run(
                "fine_tuning.jobs.wait",
                {"fine_tuning_job_id": JOB, "poll_interval": 10, "timeout": 30},
                progress=events.append,
            )

    with pytest.raises(RequestTimeout):  # Prism's placeholder job never finishes
        asyncio.run(go())
    assert [e["poll"] for e in events] == [1, 2, 3, 4]
    assert all(e["status"] == "validating_files" for e in events)  # every poll was answered 200
    assert openai_prism_server.requests_received() - before == 4


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("fine_tuning.jobs.create", MINIMAL),
        ("fine_tuning.jobs.list", {}),
        ("fine_tuning.jobs.wait", {"fine_tuning_job_id": JOB}),
    ],
)
def test_azure_refuses_before_sending(
    operation: str, params: dict[str, Any], azure_prism: dict[str, Any]
) -> None:
    with Connector(**azure_prism) as connector, pytest.raises(UnsupportedOperation):
        connector.run(operation, params)

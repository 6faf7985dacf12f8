"""batches.* requests, validated against the OpenAI spec.

What the specs cannot validate, and why:

- Azure: the 2024-10-21 data-plane inference spec has no batch paths; every batch operation
  is refused on Azure before sending (tested below).
- ``batches.wait`` is a polling composite: the spec judges each ``GET /batches/{id}`` it
  sends, but Prism's placeholder batch stays ``validating`` and names placeholder files, so
  the wait ends on its timeout (injected clock) and the download step is not reached here;
  the statuses, the terminal states and the byte-identical downloads of the output and
  error files are tested against the scripted server and the stateful fake files API
  (tests/operations/test_batches.py).
- The batch input file's *lines* are not part of any request here: ``jsonl.build`` checks
  them locally (it sends nothing, so there is nothing for the spec to see).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from spec_checks import NO_RETRY, run_valid

from openai_connector import AsyncConnector, Connector, RequestTimeout, UnsupportedOperation

BATCH = "batch_abc123"


def test_create_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "batches.create", {"input_file_id": "file-in"})


@pytest.mark.parametrize(
    "endpoint", ["/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions"]
)
def test_create_full(endpoint: str, openai_prism: dict[str, Any]) -> None:
    run_valid(
        openai_prism,
        "batches.create",
        {
            "input_file_id": "file-in",
            "endpoint": endpoint,
            "completion_window": "24h",
            "metadata": {"project": "nightly", "k" * 64: "v" * 512},
            "output_expires_after": {"anchor": "created_at", "seconds": 3600},
        },
    )


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("batches.list", {}),
        ("batches.list", {"after": "batch_1", "limit": 100}),
        ("batches.retrieve", {"batch_id": BATCH}),
        ("batches.cancel", {"batch_id": BATCH}),
    ],
)
def test_other_requests(
    operation: str, params: dict[str, Any], openai_prism: dict[str, Any]
) -> None:
    run_valid(openai_prism, operation, params)


def test_wait_sends_only_valid_polls(openai_prism: dict[str, Any], tmp_path: Path) -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    events: list[dict[str, Any]] = []

    async def go() -> None:
        options = {**openai_prism, "retry": NO_RETRY, "sleep": sleep, "clock": lambda: now[0]}
        async with AsyncConnector(**options) as connector:
            await connector.run(
                "batches.wait",
                {
                    "batch_id": BATCH,
                    "poll_interval": 60,
                    "timeout": 120,
                    "output_dir": str(tmp_path),
                },
                progress=events.append,
            )

    with pytest.raises(RequestTimeout):  # Prism's placeholder batch never finishes
        asyncio.run(go())
    assert [e["status"] for e in events] == ["validating"] * 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("batches.create", {"input_file_id": "file-in"}),
        ("batches.retrieve", {"batch_id": BATCH}),
        ("batches.wait", {"batch_id": BATCH}),
    ],
)
def test_azure_refuses_before_sending(
    operation: str, params: dict[str, Any], azure_prism: dict[str, Any]
) -> None:
    with Connector(**azure_prism) as connector, pytest.raises(UnsupportedOperation):
        connector.run(operation, params)

"""fine_tuning.jobs.*: create, list, retrieve, cancel, events, checkpoints, and wait (polling)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from faces import Face
from openai_connector import (
    AsyncConnector,
    BadRequest,
    Connector,
    InvalidInput,
    InvalidResponse,
    NotFound,
    RequestTimeout,
    UnsupportedOperation,
)
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"
JOB_ID = "ftjob-abc123"


def job(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job",
        "id": JOB_ID,
        "model": "gpt-4o-mini-2024-07-18",
        "created_at": 1700000000,
        "fine_tuned_model": None,
        "status": status,
        "trained_tokens": None,
        "training_file": "file-train",
        "validation_file": None,
        "error": None,
        **fields,
    }


def refused(openai: dict[str, Any], operation: str, params: dict[str, Any]) -> InvalidInput:
    with Connector(**openai) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, params)
    return caught.value


# ------------------------------------------------------------------ create


def test_create_minimal(face: Face, openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(json=job("validating_files"))
    result = face.run(
        "fine_tuning.jobs.create",
        {"model": "gpt-4o-mini-2024-07-18", "training_file": "file-train"},
        **openai,
    )
    assert result.body["status"] == "validating_files"
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/fine_tuning/jobs")
    assert sent.json == {"model": "gpt-4o-mini-2024-07-18", "training_file": "file-train"}


FULL_CREATE: dict[str, Any] = {
    "model": "gpt-4o-mini-2024-07-18",
    "training_file": "file-train",
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
    "metadata": {f"k{i}": "v" * 512 for i in range(16)},
    "integrations": [
        {
            "type": "wandb",
            "wandb": {"project": "ft", "name": "run", "entity": "me", "tags": ["a", "b"]},
        }
    ],
}


def test_create_every_parameter(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(json=job("queued"))
    with Connector(**openai) as connector:
        connector.run("fine_tuning.jobs.create", FULL_CREATE)
    sent = server.requests[0].json
    assert sent == FULL_CREATE


@pytest.mark.parametrize(
    "method",
    [
        {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1, "n_epochs": 2}}},
        {"type": "dpo", "dpo": {"hyperparameters": {"beta": "auto"}}},
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
                "hyperparameters": {"reasoning_effort": "low"},
            },
        },
        {"type": "supervised"},
    ],
)
def test_create_with_each_method(
    method: dict[str, Any], openai: dict[str, Any], server: ScriptedServer
) -> None:
    with Connector(**openai) as connector:
        connector.run(
            "fine_tuning.jobs.create",
            {"model": "gpt-4o-mini", "training_file": "file-train", "method": method},
        )
    assert server.requests[0].json["method"] == method


def test_create_error_status(openai: dict[str, Any], server: ScriptedServer) -> None:
    error = {"message": "invalid training_file: file-x", "type": "invalid_request_error"}
    server.default = Reply(400, json={"error": {**error, "code": "invalid_file"}})
    with Connector(**openai) as connector, pytest.raises(BadRequest) as caught:
        connector.run("fine_tuning.jobs.create", {"model": "m", "training_file": "file-x"})
    assert caught.value.status == 400
    assert "invalid training_file" in str(caught.value)


# ----------------------------------------------------------- other requests


@pytest.mark.parametrize(
    ("operation", "params", "method", "path", "query"),
    [
        ("fine_tuning.jobs.list", {}, "GET", "/v1/fine_tuning/jobs", {}),
        (
            "fine_tuning.jobs.list",
            {"after": "ftjob-1", "limit": 5, "metadata": {"team": "a b"}},
            "GET",
            "/v1/fine_tuning/jobs",
            {"after": "ftjob-1", "limit": "5", "metadata[team]": "a b"},
        ),
        (
            "fine_tuning.jobs.retrieve",
            {"job_id": JOB_ID},
            "GET",
            f"/v1/fine_tuning/jobs/{JOB_ID}",
            {},
        ),
        (
            "fine_tuning.jobs.cancel",
            {"fine_tuning_job_id": JOB_ID},
            "POST",
            f"/v1/fine_tuning/jobs/{JOB_ID}/cancel",
            {},
        ),
        (
            "fine_tuning.jobs.events",
            {"fine_tuning_job_id": JOB_ID},
            "GET",
            f"/v1/fine_tuning/jobs/{JOB_ID}/events",
            {},
        ),
        (
            "fine_tuning.jobs.events",
            {"fine_tuning_job_id": JOB_ID, "after": "ftevent-1", "limit": 100},
            "GET",
            f"/v1/fine_tuning/jobs/{JOB_ID}/events",
            {"after": "ftevent-1", "limit": "100"},
        ),
        (
            "fine_tuning.jobs.checkpoints",
            {"id": JOB_ID, "after": "ftckpt-1", "limit": 3},
            "GET",
            f"/v1/fine_tuning/jobs/{JOB_ID}/checkpoints",
            {"after": "ftckpt-1", "limit": "3"},
        ),
        (
            "fine_tuning.jobs.retrieve",
            {"fine_tuning_job_id": "a/b?c"},
            "GET",
            "/v1/fine_tuning/jobs/a/b?c",
            {},
        ),
    ],
)
def test_requests(
    operation: str,
    params: dict[str, Any],
    method: str,
    path: str,
    query: dict[str, str],
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
) -> None:
    server.default = Reply(json={"object": "list", "data": [], "has_more": False})
    face.run(operation, params, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == (method, path, query)
    assert sent.body == b""  # none of these has a request body (cancel included)


def test_retrieve_unknown_job_is_not_found(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(404, json={"error": {"message": "No such job", "code": None}})
    with Connector(**openai) as connector, pytest.raises(NotFound):
        connector.run("fine_tuning.jobs.retrieve", {"fine_tuning_job_id": "ftjob-x"})


# --------------------------------------------------------------------- wait


def test_wait_reports_each_poll_in_order_until_succeeded(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.script(
        Reply(json=job("validating_files")),
        Reply(json=job("queued")),
        Reply(json=job("running", trained_tokens=1200, estimated_finish=1700000600)),
        Reply(json=job("succeeded", trained_tokens=2400, fine_tuned_model="ft:gpt-4o-mini:o::1")),
    )
    events: list[dict[str, Any]] = []
    result = face.run(
        "fine_tuning.jobs.wait",
        {"fine_tuning_job_id": JOB_ID, "poll_interval": 30},
        call={"progress": events.append},
        **openai,
    )
    assert [e["status"] for e in events] == ["validating_files", "queued", "running", "succeeded"]
    assert [e["poll"] for e in events] == [1, 2, 3, 4]
    assert [e["trained_tokens"] for e in events] == [None, None, 1200, 2400]
    assert events[2]["estimated_finish"] == 1700000600
    assert [e["done"] for e in events] == [False, False, False, True]
    assert all(e["operation"] == "fine_tuning.jobs.wait" for e in events)
    assert face.sleeps == [30, 30, 30]
    assert result.body["fine_tuned_model"] == "ft:gpt-4o-mini:o::1"
    assert result.extra["polls"] == 4
    assert {(r.method, r.path) for r in server.requests} == {
        ("GET", f"/v1/fine_tuning/jobs/{JOB_ID}")
    }


@pytest.mark.parametrize("terminal", ["failed", "cancelled"])
def test_wait_ends_on_failed_and_cancelled(
    terminal: str, face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    failure = {"code": "invalid_training_file", "message": "bad line 3", "param": None}
    server.script(
        Reply(json=job("running")),
        Reply(json=job(terminal, error=failure if terminal == "failed" else None)),
    )
    result = face.run("fine_tuning.jobs.wait", {"fine_tuning_job_id": JOB_ID}, **openai)
    assert result.body["status"] == terminal
    assert face.sleeps == [10.0]  # the default poll interval
    assert len(server.requests) == 2


class FakeTime:
    """A clock that only moves when the connector sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_times_out_on_the_connector_clock(
    openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json=job("running", trained_tokens=10))
    time = FakeTime()
    events: list[dict[str, Any]] = []

    async def go() -> None:
        async with AsyncConnector(**openai, sleep=time.sleep, clock=time.clock) as connector:
            await connector.run(
                "fine_tuning.jobs.wait",
                {"fine_tuning_job_id": JOB_ID, "poll_interval": 10, "timeout": 25},
                progress=events.append,
            )

    with pytest.raises(RequestTimeout) as caught:
        asyncio.run(go())
    assert time.sleeps == [10, 10, 5]  # the last pause ends exactly at the deadline
    assert [e["waited"] for e in events] == [0, 10, 20, 25]
    assert len(server.requests) == 4
    assert "still running after 25 s (4 polls)" in str(caught.value)
    assert "keeps running" in (caught.value.hint or "")


def test_wait_stops_on_an_answer_without_status(
    openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json={"id": JOB_ID})
    with Connector(**openai) as connector, pytest.raises(InvalidResponse):
        connector.run("fine_tuning.jobs.wait", {"fine_tuning_job_id": JOB_ID})
    assert len(server.requests) == 1


def test_wait_passes_on_a_polling_error(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.script(Reply(json=job("running")), Reply(404, json={"error": {"message": "gone"}}))
    with Connector(**openai, sleep=lambda s: None) as connector, pytest.raises(NotFound):
        connector.run("fine_tuning.jobs.wait", {"fine_tuning_job_id": JOB_ID})


# ------------------------------------------------------------ Azure, limits

OPERATIONS = [
    ("fine_tuning.jobs.create", {"model": "m", "training_file": "f"}),
    ("fine_tuning.jobs.list", {}),
    ("fine_tuning.jobs.retrieve", {"fine_tuning_job_id": JOB_ID}),
    ("fine_tuning.jobs.cancel", {"fine_tuning_job_id": JOB_ID}),
    ("fine_tuning.jobs.events", {"fine_tuning_job_id": JOB_ID}),
    ("fine_tuning.jobs.checkpoints", {"fine_tuning_job_id": JOB_ID}),
    ("fine_tuning.jobs.wait", {"fine_tuning_job_id": JOB_ID}),
]


@pytest.mark.parametrize(("operation", "params"), OPERATIONS)
def test_azure_fails_before_sending(
    operation: str, params: dict[str, Any], server: ScriptedServer
) -> None:
    azure = {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY}
    with Connector(**azure) as connector, pytest.raises(UnsupportedOperation) as caught:
        connector.run(operation, params)
    assert "no fine-tuning" in str(caught.value)
    assert server.requests == []


def _create(**fields: Any) -> dict[str, Any]:
    return {"model": "m", "training_file": "f", **fields}


def _hyper(**fields: Any) -> dict[str, Any]:
    return _create(hyperparameters=fields)


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("fine_tuning.jobs.create", {"training_file": "f"}, "model"),
        ("fine_tuning.jobs.create", {"model": "m"}, "training_file"),
        ("fine_tuning.jobs.create", _create(training_file=""), "training_file"),
        ("fine_tuning.jobs.create", _create(suffix="x" * 65), "suffix"),
        ("fine_tuning.jobs.create", _create(suffix=""), "suffix"),
        ("fine_tuning.jobs.create", _create(seed=-1), "seed"),
        ("fine_tuning.jobs.create", _create(seed=2147483648), "seed"),
        ("fine_tuning.jobs.create", _hyper(n_epochs=0), "hyperparameters.n_epochs"),
        ("fine_tuning.jobs.create", _hyper(n_epochs=51), "hyperparameters.n_epochs"),
        ("fine_tuning.jobs.create", _hyper(n_epochs="many"), "hyperparameters.n_epochs"),
        ("fine_tuning.jobs.create", _hyper(batch_size=0), "hyperparameters.batch_size"),
        ("fine_tuning.jobs.create", _hyper(batch_size=257), "hyperparameters.batch_size"),
        (
            "fine_tuning.jobs.create",
            _hyper(learning_rate_multiplier=0),
            "hyperparameters.learning_rate_multiplier",
        ),
        ("fine_tuning.jobs.create", _hyper(beta=0.1), "hyperparameters.beta"),
        ("fine_tuning.jobs.create", _create(method={"type": "lora"}), "method.type"),
        (
            "fine_tuning.jobs.create",
            _create(method={"type": "supervised", "dpo": {}}),
            "method.dpo",
        ),
        (
            "fine_tuning.jobs.create",
            _create(method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0}}}),
            "method.dpo.hyperparameters.beta",
        ),
        (
            "fine_tuning.jobs.create",
            _create(method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 2.5}}}),
            "method.dpo.hyperparameters.beta",
        ),
        (
            "fine_tuning.jobs.create",
            _create(method={"type": "reinforcement", "reinforcement": {}}),
            "method.reinforcement.grader",
        ),
        (
            "fine_tuning.jobs.create",
            _create(metadata={f"k{i}": "v" for i in range(17)}),
            "metadata",
        ),
        ("fine_tuning.jobs.create", _create(metadata={"k" * 65: "v"}), "metadata"),
        ("fine_tuning.jobs.create", _create(metadata={"k": "v" * 513}), "metadata"),
        (
            "fine_tuning.jobs.create",
            _create(integrations=[{"type": "slack", "wandb": {"project": "p"}}]),
            "integrations.0.type",
        ),
        (
            "fine_tuning.jobs.create",
            _create(integrations=[{"type": "wandb", "wandb": {}}]),
            "integrations.0.wandb.project",
        ),
        ("fine_tuning.jobs.create", _create(learning_rate=0.1), "learning_rate"),
        ("fine_tuning.jobs.list", {"limit": 0}, "limit"),
        ("fine_tuning.jobs.list", {"after": ""}, "after"),
        ("fine_tuning.jobs.retrieve", {}, "fine_tuning_job_id"),
        ("fine_tuning.jobs.cancel", {"fine_tuning_job_id": ""}, "fine_tuning_job_id"),
        ("fine_tuning.jobs.events", {"fine_tuning_job_id": "j", "limit": 0}, "limit"),
        ("fine_tuning.jobs.checkpoints", {"fine_tuning_job_id": "j", "limit": -1}, "limit"),
        ("fine_tuning.jobs.wait", {"fine_tuning_job_id": "j", "poll_interval": 0}, "poll_interval"),
        ("fine_tuning.jobs.wait", {"fine_tuning_job_id": "j", "timeout": 0}, "timeout"),
    ],
)
def test_limits_are_checked_before_sending(
    operation: str,
    params: dict[str, Any],
    field: str,
    openai: dict[str, Any],
    server: ScriptedServer,
) -> None:
    error = refused(openai, operation, params)
    assert error.field == field, error
    assert server.requests == []

"""batches.*: create, retrieve, list, cancel, and wait (polling, then downloading the results)."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from fake_files_api import FakeFilesApi
from openai_connector import (
    Connector,
    InvalidInput,
    NotFound,
    RateLimited,
    UnsupportedOperation,
)
from scripted_server import Recorded, Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"
BATCH_ID = "batch_abc123"
OUTPUT = b'{"id": "r1", "custom_id": "q1", "response": {"status_code": 200}}\n'
ERRORS = b'{"id": "r2", "custom_id": "q2", "error": {"code": "bad", "message": "x"}}\n'


def batch(status: str, completed: int = 0, failed: int = 0, **fields: Any) -> dict[str, Any]:
    return {
        "id": BATCH_ID,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": "file-in",
        "completion_window": "24h",
        "status": status,
        "output_file_id": None,
        "error_file_id": None,
        "created_at": 1700000000,
        "request_counts": {"total": 2, "completed": completed, "failed": failed},
        "errors": None,
        **fields,
    }


class BatchApi:
    """Batch statuses in turn for /batches/{id}; everything else to the fake files API."""

    def __init__(self, files: FakeFilesApi, *states: dict[str, Any]) -> None:
        self.files = files
        self.states = deque(states)

    def __call__(self, recorded: Recorded) -> Reply:
        if recorded.path == f"/v1/batches/{BATCH_ID}":
            state = self.states.popleft() if len(self.states) > 1 else self.states[0]
            return Reply(json=state)
        return self.files(recorded)


# ------------------------------------------------------------------ create


def test_create_minimal(face: Face, openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(json=batch("validating"))
    result = face.run("batches.create", {"input_file_id": "file-in"}, **openai)
    assert result.body["status"] == "validating"
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/batches")
    assert sent.json == {
        "input_file_id": "file-in",
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }


def test_create_every_parameter(openai: dict[str, Any], server: ScriptedServer) -> None:
    params = {
        "input_file_id": "file-in",
        "endpoint": "/v1/embeddings",
        "completion_window": "24h",
        "metadata": {"project": "nightly", "k" * 64: "v" * 512},
        "output_expires_after": {"anchor": "created_at", "seconds": 2592000},
    }
    with Connector(**openai) as connector:
        connector.run("batches.create", params)
    assert server.requests[0].json == params


@pytest.mark.parametrize(
    "endpoint",
    ["/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions"],
)
def test_create_for_each_endpoint(
    endpoint: str, openai: dict[str, Any], server: ScriptedServer
) -> None:
    with Connector(**openai) as connector:
        connector.run("batches.create", {"input_file_id": "f", "endpoint": endpoint})
    assert server.requests[0].json["endpoint"] == endpoint


def test_create_error_status(openai: dict[str, Any], server: ScriptedServer) -> None:
    error = {"message": "Enqueued token limit reached", "code": "token_limit_exceeded"}
    server.default = Reply(429, json={"error": error}, headers={"x-should-retry": "false"})
    with Connector(**openai) as connector, pytest.raises(RateLimited) as caught:
        connector.run("batches.create", {"input_file_id": "file-in"})
    assert caught.value.status == 429
    assert len(server.requests) == 1


# ----------------------------------------------------------- other requests


@pytest.mark.parametrize(
    ("operation", "params", "method", "path", "query"),
    [
        ("batches.retrieve", {"batch_id": BATCH_ID}, "GET", f"/v1/batches/{BATCH_ID}", {}),
        ("batches.retrieve", {"id": "a/b"}, "GET", "/v1/batches/a/b", {}),
        ("batches.cancel", {"batch_id": BATCH_ID}, "POST", f"/v1/batches/{BATCH_ID}/cancel", {}),
        ("batches.list", {}, "GET", "/v1/batches", {}),
        (
            "batches.list",
            {"after": "batch_1", "limit": 100},
            "GET",
            "/v1/batches",
            {"after": "batch_1", "limit": "100"},
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
    server.default = Reply(json=batch("cancelling"))
    face.run(operation, params, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == (method, path, query)
    assert sent.body == b""  # none of these has a request body (cancel included)


def test_retrieve_unknown_batch(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(404, json={"error": {"message": "No batch found"}})
    with Connector(**openai) as connector, pytest.raises(NotFound):
        connector.run("batches.retrieve", {"batch_id": "batch_x"})


# --------------------------------------------------------------------- wait


def test_wait_polls_then_downloads_output_and_errors(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    files = FakeFilesApi()
    output_id = files.add(OUTPUT, purpose="batch_output")
    error_id = files.add(ERRORS, purpose="batch_output")
    server.default = BatchApi(
        files,
        batch("validating"),
        batch("in_progress", completed=1),
        batch("finalizing", completed=1, failed=1),
        batch("completed", 1, 1, output_file_id=output_id, error_file_id=error_id),
    )
    events: list[dict[str, Any]] = []
    folder = tmp_path / "results"
    result = face.run(
        "batches.wait",
        {"batch_id": BATCH_ID, "poll_interval": 60, "output_dir": str(folder)},
        call={"progress": events.append},
        **openai,
    )
    polls = [e for e in events if "poll" in e]
    assert [e["status"] for e in polls] == ["validating", "in_progress", "finalizing", "completed"]
    assert [(e["completed"], e["failed"], e["total"]) for e in polls] == [
        (0, 0, 2),
        (1, 0, 2),
        (1, 1, 2),
        (1, 1, 2),
    ]
    downloads = [e["downloading"] for e in events if "downloading" in e]
    assert downloads == [output_id, error_id]
    assert face.sleeps == [60, 60, 60]
    output = folder / f"{BATCH_ID}_output.jsonl"
    errors = folder / f"{BATCH_ID}_errors.jsonl"
    assert result.extra["files"] == [str(output), str(errors)]
    assert output.read_bytes() == OUTPUT
    assert errors.read_bytes() == ERRORS
    assert result.body["status"] == "completed"
    assert result.extra["polls"] == 4


@pytest.mark.parametrize("terminal", ["failed", "expired", "cancelled"])
def test_wait_ends_on_every_terminal_status(
    terminal: str, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    files = FakeFilesApi()
    server.default = BatchApi(files, batch("in_progress"), batch(terminal))
    with Connector(**openai, sleep=lambda s: None) as connector:
        result = connector.run("batches.wait", {"batch_id": BATCH_ID, "output_dir": str(tmp_path)})
    assert result.body["status"] == terminal
    assert result.extra["files"] == []  # nothing was produced, nothing downloaded
    assert len(server.requests) == 2
    assert list(tmp_path.iterdir()) == []


def test_wait_without_download(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    files = FakeFilesApi()
    output_id = files.add(OUTPUT)
    server.default = BatchApi(files, batch("completed", 2, output_file_id=output_id))
    with Connector(**openai) as connector:
        result = connector.run(
            "batches.wait", {"batch_id": BATCH_ID, "download": False, "output_dir": str(tmp_path)}
        )
    assert result.extra["files"] == []
    assert [r.path for r in server.requests] == [f"/v1/batches/{BATCH_ID}"]


def test_wait_reports_a_failed_download(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.default = BatchApi(FakeFilesApi(), batch("completed", 2, output_file_id="file-gone"))
    with Connector(**openai) as connector, pytest.raises(NotFound) as caught:
        connector.run("batches.wait", {"batch_id": BATCH_ID, "output_dir": str(tmp_path)})
    assert "files.content" in str(caught.value)


# ------------------------------------------------------------ Azure, limits


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("batches.create", {"input_file_id": "f"}),
        ("batches.retrieve", {"batch_id": "b"}),
        ("batches.list", {}),
        ("batches.cancel", {"batch_id": "b"}),
        ("batches.wait", {"batch_id": "b"}),
    ],
)
def test_azure_fails_before_sending(
    operation: str, params: dict[str, Any], server: ScriptedServer
) -> None:
    azure = {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY}
    with Connector(**azure) as connector, pytest.raises(UnsupportedOperation) as caught:
        connector.run(operation, params)
    assert "no batches" in str(caught.value)
    assert server.requests == []


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("batches.create", {}, "input_file_id"),
        ("batches.create", {"input_file_id": ""}, "input_file_id"),
        ("batches.create", {"input_file_id": "f", "endpoint": "/v1/audio/speech"}, "endpoint"),
        ("batches.create", {"input_file_id": "f", "endpoint": "/chat/completions"}, "endpoint"),
        ("batches.create", {"input_file_id": "f", "completion_window": "48h"}, "completion_window"),
        (
            "batches.create",
            {"input_file_id": "f", "metadata": {str(i): "v" for i in range(17)}},
            "metadata",
        ),
        ("batches.create", {"input_file_id": "f", "metadata": {"k": "v" * 513}}, "metadata"),
        (
            "batches.create",
            {"input_file_id": "f", "output_expires_after": {"seconds": 60}},
            "output_expires_after.seconds",
        ),
        (
            "batches.create",
            {"input_file_id": "f", "output_expires_after": {"seconds": 2592001}},
            "output_expires_after.seconds",
        ),
        ("batches.create", {"input_file_id": "f", "model": "gpt-4o"}, "model"),
        ("batches.retrieve", {}, "batch_id"),
        ("batches.cancel", {"batch_id": ""}, "batch_id"),
        ("batches.list", {"limit": 0}, "limit"),
        ("batches.list", {"limit": 101}, "limit"),
        ("batches.wait", {"batch_id": "b", "poll_interval": -1}, "poll_interval"),
        ("batches.wait", {"batch_id": "b", "poll_interval": 3601}, "poll_interval"),
        ("batches.wait", {"batch_id": "b", "timeout": 0}, "timeout"),
        ("batches.wait", {"batch_id": "b", "output_dir": ""}, "output_dir"),
    ],
)
def test_limits_are_checked_before_sending(
    operation: str,
    params: dict[str, Any],
    field: str,
    openai: dict[str, Any],
    server: ScriptedServer,
) -> None:
    with Connector(**openai) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, params)
    assert caught.value.field == field, caught.value
    assert server.requests == []


def test_wait_output_dir_must_not_be_a_file(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    with Connector(**openai) as connector, pytest.raises(InvalidInput) as caught:
        connector.run("batches.wait", {"batch_id": "b", "output_dir": str(not_a_folder)})
    assert caught.value.field == "output_dir"
    assert server.requests == []

"""files.*: upload (multipart), list, retrieve, delete, content; a round trip on a stateful fake."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from fake_files_api import FakeFilesApi, parse_multipart
from openai_connector import (
    AuthenticationFailed,
    Connector,
    InvalidInput,
    NotFound,
    UnsupportedOperation,
)
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"
EVERY_BYTE = bytes(range(256)) * 64 + b"\r\n--boundary\r\n\x00"
TRAINING = b'{"messages": [{"role": "user", "content": "hi"}]}\n'


@pytest.fixture
def fake(server: ScriptedServer) -> FakeFilesApi:
    api = FakeFilesApi()
    server.default = api
    return api


def refused(openai: dict[str, Any], operation: str, params: dict[str, Any]) -> InvalidInput:
    with Connector(**openai) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, params)
    return caught.value


# ---------------------------------------------------------------- round trip


def test_round_trip_upload_list_download_delete(
    face: Face, openai: dict[str, Any], fake: FakeFilesApi, server: ScriptedServer, tmp_path: Path
) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(EVERY_BYTE)

    uploaded = face.run("files.upload", {"file": str(source), "purpose": "user_data"}, **openai)
    file_id = uploaded.body["id"]
    assert uploaded.body["filename"] == "data.bin"
    assert uploaded.body["bytes"] == len(EVERY_BYTE)
    assert fake.files[file_id].content == EVERY_BYTE

    listed = face.run("files.list", {}, **openai)
    assert [f["id"] for f in listed.body["data"]] == [file_id]

    described = face.run("files.retrieve", {"file_id": file_id}, **openai)
    assert described.body["purpose"] == "user_data"

    target = tmp_path / "out" / "copy.bin"
    saved = face.run("files.content", {"file_id": file_id, "output": str(target)}, **openai)
    assert target.read_bytes() == EVERY_BYTE
    assert saved.extra["files"] == [str(target)]
    assert saved.body == {
        "file_id": file_id,
        "path": str(target),
        "bytes": len(EVERY_BYTE),
        "content_type": "application/octet-stream",
    }

    as_bytes = face.run("files.content", {"file_id": file_id}, **openai)
    assert as_bytes.body == EVERY_BYTE

    deleted = face.run("files.delete", {"file_id": file_id}, **openai)
    assert deleted.body == {"id": file_id, "object": "file", "deleted": True}
    assert face.run("files.list", {}, **openai).body["data"] == []
    with pytest.raises(NotFound) as caught:
        face.run("files.retrieve", {"file_id": file_id}, **openai)
    assert caught.value.status == 404
    methods = [r.method for r in server.requests]
    assert methods == ["POST", "GET", "GET", "GET", "GET", "DELETE", "GET", "GET"]


def test_content_as_text_and_list_filters(
    openai: dict[str, Any], fake: FakeFilesApi, server: ScriptedServer
) -> None:
    first = fake.add(TRAINING, filename="a.jsonl", purpose="fine-tune")
    second = fake.add(b"x", filename="b.jsonl", purpose="batch")
    third = fake.add(b"y", filename="c.jsonl", purpose="batch")
    with Connector(**openai) as connector:
        text = connector.run("files.content", {"file_id": first, "as_text": True})
        assert text.body == TRAINING.decode()
        page = connector.run(
            "files.list", {"purpose": "batch", "limit": 1, "order": "asc", "after": second}
        )
    assert [f["id"] for f in page.body["data"]] == [third]
    assert server.requests[-1].query == {
        "purpose": "batch",
        "limit": "1",
        "order": "asc",
        "after": second,
    }


# -------------------------------------------------------------------- upload


def test_upload_bytes_sends_them_unchanged_as_multipart(
    face: Face, openai: dict[str, Any], fake: FakeFilesApi, server: ScriptedServer
) -> None:
    result = face.run(
        "files.upload",
        {"file": EVERY_BYTE, "filename": "train.jsonl", "purpose": "fine-tune"},
        **openai,
    )
    assert result.status == 200
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/files")
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    form = parse_multipart(sent)
    assert form["purpose"] == "fine-tune"
    assert form["file"][:2] == ("train.jsonl", EVERY_BYTE)
    assert set(form) == {"file", "purpose"}


def test_upload_every_parameter(
    openai: dict[str, Any], fake: FakeFilesApi, server: ScriptedServer, tmp_path: Path
) -> None:
    source = tmp_path / "local-name.jsonl"
    source.write_bytes(TRAINING)
    with Connector(**openai) as connector:
        connector.run(
            "files.upload",
            {
                "file": str(source),
                "purpose": "batch",
                "filename": "sent-name.jsonl",
                "expires_after": {"anchor": "created_at", "seconds": 3600},
            },
        )
    form = parse_multipart(server.requests[0])
    assert form["file"][:2] == ("sent-name.jsonl", TRAINING)
    assert form["purpose"] == "batch"
    assert form["expires_after[anchor]"] == "created_at"
    assert form["expires_after[seconds]"] == "3600"


@pytest.mark.parametrize("purpose", ["fine-tune", "batch", "assistants", "vision", "user_data"])
def test_upload_every_purpose(
    purpose: str, openai: dict[str, Any], fake: FakeFilesApi, tmp_path: Path
) -> None:
    with Connector(**openai) as connector:
        result = connector.run(
            "files.upload", {"file": b"{}", "filename": "f.jsonl", "purpose": purpose}
        )
    assert result.body["purpose"] == purpose


def test_upload_error_status_carries_the_envelope(
    openai: dict[str, Any], fake: FakeFilesApi, server: ScriptedServer
) -> None:
    with (
        Connector(**{**openai, "api_key": "sk-wrong0000"}) as connector,
        pytest.raises(AuthenticationFailed) as caught,
    ):
        connector.run("files.upload", {"file": b"{}", "filename": "f.jsonl", "purpose": "batch"})
    assert caught.value.result.body["error"]["code"] == "invalid_api_key"
    assert len(server.requests) == 1


# --------------------------------------------------------- other operations


def test_path_parameter_is_url_encoded(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.script(
        Reply(body=b"raw", headers={"content-type": "application/octet-stream"}),
        Reply(json={"id": "x y", "object": "file", "deleted": True}),
    )
    with Connector(**openai) as connector:
        result = connector.run("files.content", {"file_id": "a/b?c"})
        connector.run("files.delete", {"id": "x y"})
    assert result.body == b"raw"
    # decoded by the server, but still one segment: '?' did not start a query string
    assert server.requests[0].path == "/v1/files/a/b?c/content"
    assert server.requests[0].query == {}
    assert server.requests[1].path == "/v1/files/x y"


def test_content_error_status_is_json_not_bytes(
    face: Face, openai: dict[str, Any], fake: FakeFilesApi, tmp_path: Path
) -> None:
    target = tmp_path / "unused.bin"
    with pytest.raises(NotFound) as caught:
        face.run("files.content", {"file_id": "file-missing", "output": str(target)}, **openai)
    assert caught.value.result.body["error"]["message"] == "No such File object: file-missing"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("files.upload", {"file": b"{}", "filename": "f.jsonl", "purpose": "batch"}),
        ("files.list", {}),
        ("files.retrieve", {"file_id": "file-1"}),
        ("files.delete", {"file_id": "file-1"}),
        ("files.content", {"file_id": "file-1"}),
    ],
)
def test_azure_has_no_files_api(
    operation: str, params: dict[str, Any], server: ScriptedServer
) -> None:
    azure = {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY}
    with Connector(**azure) as connector, pytest.raises(UnsupportedOperation) as caught:
        connector.run(operation, params)
    assert "2024-10-21" in str(caught.value)
    assert server.requests == []


# ------------------------------------------------------------------ limits


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("files.upload", {"file": b"{}", "filename": "f.jsonl", "purpose": "fine_tune"}, "purpose"),
        ("files.upload", {"file": b"{}", "filename": "f.jsonl"}, "purpose"),
        ("files.upload", {"purpose": "batch"}, "file"),
        ("files.upload", {"file": "/no/such/file.jsonl", "purpose": "batch"}, "file"),
        ("files.upload", {"file": b"", "filename": "f.jsonl", "purpose": "batch"}, "file"),
        ("files.upload", {"file": b"{}", "purpose": "batch"}, "filename"),
        ("files.upload", {"file": b"{}", "filename": "", "purpose": "batch"}, "filename"),
        (
            "files.upload",
            {
                "file": b"{}",
                "filename": "f.jsonl",
                "purpose": "batch",
                "expires_after": {"seconds": 3599},
            },
            "expires_after.seconds",
        ),
        (
            "files.upload",
            {
                "file": b"{}",
                "filename": "f.jsonl",
                "purpose": "batch",
                "expires_after": {"anchor": "last_active_at", "seconds": 3600},
            },
            "expires_after.anchor",
        ),
        (
            "files.upload",
            {
                "file": b"{}",
                "filename": "f.jsonl",
                "purpose": "batch",
                "expires_after": {"seconds": 2592001},
            },
            "expires_after.seconds",
        ),
        ("files.upload", {"file": b"{}", "filename": "f", "purpose": "batch", "x": 1}, "x"),
        ("files.list", {"limit": 0}, "limit"),
        ("files.list", {"limit": 10001}, "limit"),
        ("files.list", {"order": "newest"}, "order"),
        ("files.list", {"after": ""}, "after"),
        ("files.retrieve", {}, "file_id"),
        ("files.retrieve", {"file_id": ""}, "file_id"),
        ("files.delete", {"file_id": ""}, "file_id"),
        ("files.content", {"file_id": "f", "output": "o.bin", "as_text": True}, "as_text"),
        ("files.content", {"file_id": "f", "output": "."}, "output"),
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


def test_upload_over_512_mb_is_refused_before_reading(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as handle:  # sparse: no disk space used
        handle.truncate(512 * 1024 * 1024 + 1)
    error = refused(openai, "files.upload", {"file": str(huge), "purpose": "fine-tune"})
    assert error.field == "file"
    assert "536,870,912" in str(error)
    assert server.requests == []
    os.remove(huge)


def test_a_download_cut_off_is_retried_from_the_start_leaving_one_whole_file(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    content = os.urandom(200_000)
    server.script(
        Reply(events=["half of the file"] * 50, cut=True, headers={"content-type": "x/y"}),
        Reply(body=content, headers={"content-type": "application/octet-stream"}),
    )
    target = tmp_path / "content.bin"
    result = face.run("files.content", {"file_id": "file-1", "output": str(target)}, **openai)
    assert result.attempts == 2
    assert len(face.sleeps) == 1
    assert target.read_bytes() == content
    assert result.body["bytes"] == len(content)
    assert [p.name for p in tmp_path.iterdir()] == ["content.bin"]


def test_debug_log_names_a_streamed_body_without_reading_it(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 1000)
    server.script(Reply(json={"id": "file-1"}))
    with (
        caplog.at_level("INFO", logger="openai_connector.http"),
        Connector(debug=True, **openai) as connector,
    ):
        connector.run("files.upload", {"file": str(path), "purpose": "batch"})
    [request] = [r.getMessage() for r in caplog.records if "request attempt=1" in r.getMessage()]
    length = int(server.requests[0].headers["content-length"])
    assert f"body=<{length:,} bytes, streamed>" in request

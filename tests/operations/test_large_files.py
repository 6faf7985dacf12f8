"""Large files stream: an upload is sent from its file, a download goes straight to disk.

Each transfer runs in a child process that reports its peak memory (``VmHWM``): a 500 MB
upload and a 300 MB download must each stay under 100 MB, imports included. The local
server hashes what it receives and what it sends, so the bytes are checked end to end.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from multipart_form import FilePart, form_dict
from openai_connector import InvalidInput
from scripted_server import Recorded, Reply, ScriptedServer

MB = 1024 * 1024
UPLOAD_BYTES = 500 * MB
DOWNLOAD_BYTES = 300 * MB
PEAK_LIMIT_KB = 100 * 1024
EDGE = 4096


class Counting:
    """What the server saw: a body's length, hash and ends; and the hash of what it sent."""

    def __init__(self) -> None:
        self.length = 0
        self.sha = hashlib.sha256()
        self.first = b""
        self.last = b""
        self.headers: dict[str, str] = {}
        self.sent_sha = ""
        self.block = os.urandom(MB)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: Counting

    def log_message(self, *args: Any) -> None:
        return None

    def _json(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        seen = self.seen
        seen.headers = {k.lower(): v for k, v in self.headers.items()}
        left = int(self.headers["content-length"])
        while left:
            piece = self.rfile.read(min(MB, left))
            left -= len(piece)
            seen.length += len(piece)
            seen.sha.update(piece)
            if len(seen.first) < EDGE:
                seen.first += piece[: EDGE - len(seen.first)]
            seen.last = (seen.last + piece)[-EDGE:]
        self._json({"id": "file-big", "object": "file", "bytes": seen.length})

    def do_GET(self) -> None:
        seen = self.seen
        self.send_response(200)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("content-length", str(DOWNLOAD_BYTES))
        self.end_headers()
        sha = hashlib.sha256()
        for number in range(DOWNLOAD_BYTES // MB):
            piece = number.to_bytes(8, "big") + seen.block[8:]  # every MB different
            sha.update(piece)
            self.wfile.write(piece)
        seen.sent_sha = sha.hexdigest()


@pytest.fixture
def counting_server() -> Iterator[tuple[str, Counting]]:
    seen = Counting()
    handler = type("Bound", (Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()
    server.server_close()


CHILD = """
import asyncio, json, sys
from openai_connector import AsyncConnector, Connector
kind, base_url, operation, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
settings = {"provider": "openai", "base_url": base_url, "api_key": "sk-test1234"}
if kind == "sync":
    with Connector(**settings) as connector:
        result = connector.run(operation, params)
else:
    async def go():
        async with AsyncConnector(**settings) as connector:
            return await connector.run(operation, params)
    result = asyncio.run(go())
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(json.dumps({"peak_kb": int(peak), "body": result.body}))
"""


def run_child(kind: str, base_url: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, base_url, operation, json.dumps(params)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def big_sparse_file(path: Path) -> tuple[bytes, bytes]:
    """A 500 MB file that takes no disk: random first and last 64 KB, zeros between."""
    head, tail = os.urandom(64 * 1024), os.urandom(64 * 1024)
    with path.open("wb") as file:
        file.write(head)
        file.truncate(UPLOAD_BYTES)
        file.seek(UPLOAD_BYTES - len(tail))
        file.write(tail)
    return head, tail


def file_sha(path: Path, prefix: bytes, suffix: bytes) -> str:
    sha = hashlib.sha256(prefix)
    with path.open("rb") as file:
        while piece := file.read(4 * MB):
            sha.update(piece)
    sha.update(suffix)
    return sha.hexdigest()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_500_mb_upload_streams_from_the_file_in_bounded_memory(
    kind: str, counting_server: tuple[str, Counting], tmp_path: Path
) -> None:
    base_url, seen = counting_server
    path = tmp_path / "big.jsonl"
    head, _ = big_sparse_file(path)
    report = run_child(kind, base_url, "files.upload", {"file": str(path), "purpose": "batch"})
    assert report["peak_kb"] < PEAK_LIMIT_KB, f"peak memory {report['peak_kb']} kB"
    assert report["body"]["id"] == "file-big"
    assert "transfer-encoding" not in seen.headers
    assert int(seen.headers["content-length"]) == seen.length
    # the bytes that arrived are the form around the file's bytes, unchanged
    start = seen.first.index(head[:64])
    prefix = seen.first[:start]
    assert b'filename="big.jsonl"' in prefix
    suffix = seen.last[-(seen.length - start - UPLOAD_BYTES) :]
    assert suffix.startswith(b"\r\n--") and suffix.endswith(b"--\r\n")
    assert seen.sha.hexdigest() == file_sha(path, prefix, suffix)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_300_mb_download_streams_to_disk_in_bounded_memory(
    kind: str, counting_server: tuple[str, Counting], tmp_path: Path
) -> None:
    base_url, seen = counting_server
    target = tmp_path / "content.bin"
    report = run_child(kind, base_url, "files.content", {"file_id": "f", "output": str(target)})
    assert report["peak_kb"] < PEAK_LIMIT_KB, f"peak memory {report['peak_kb']} kB"
    assert report["body"] == {
        "file_id": "f",
        "path": str(target),
        "bytes": DOWNLOAD_BYTES,
        "content_type": "application/octet-stream",
    }
    assert file_sha(target, b"", b"") == seen.sent_sha
    assert [p.name for p in tmp_path.iterdir()] == ["content.bin"]


def test_a_streamed_upload_is_sent_again_whole_on_retry(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    content = os.urandom(3 * MB)
    path = tmp_path / "train.jsonl"
    path.write_bytes(content)
    server.script(Reply(500, json={"error": {"message": "try again"}}), Reply(json={"id": "f"}))
    result = face.run("files.upload", {"file": str(path), "purpose": "fine-tune"}, **openai)
    assert result.body == {"id": "f"}
    assert len(face.sleeps) == 1
    first, second = server.requests
    assert first.body == second.body
    assert first.headers["content-length"] == str(len(first.body))
    assert "transfer-encoding" not in first.headers
    form = form_dict(second)
    assert form["file"] == FilePart("train.jsonl", content, "application/octet-stream")
    assert form["purpose"] == "fine-tune"


@pytest.mark.parametrize("change", ["removed", "shortened"])
def test_a_file_that_changes_before_a_retry_is_invalid_input_not_a_network_error(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path, change: str
) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"x" * MB)

    def change_the_file(recorded: Recorded) -> Reply:
        del recorded
        if change == "removed":
            path.unlink()
        else:
            path.write_bytes(b"x" * 10)
        return Reply(500, json={"error": {"message": "try again"}})

    server.default = change_the_file
    with pytest.raises(InvalidInput) as caught:
        face.run("files.upload", {"file": str(path), "purpose": "batch"}, **openai)
    assert caught.value.field == "file"
    assert str(path) in caught.value.message
    assert len(server.requests) == 1

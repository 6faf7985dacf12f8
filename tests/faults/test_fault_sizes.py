"""Memory is bounded: a response (decoded) is at most ``network.max_response_bytes``.

Both faces ask for ``gzip, deflate`` and decode bodies themselves, a piece at a time, so a
small compressed body cannot inflate past the cap in memory; a plain body over the cap
fails too, and so does an event stream over it or with one endless line.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faces import Face
from openai_connector import InvalidResponse, RetryPolicy
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.cli.main import cli
from raw_server import RawRequest, RawServer, chunk, head
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}
CAP = 10 * 1024 * 1024
MIB = 1 << 20


def zero_bomb(mebibytes: int, wbits: int) -> bytes:
    """A valid gzip (wbits 31) or zlib (wbits 15) body of about ``mebibytes`` KiB that
    inflates to ``mebibytes`` MiB of zeros (identical blocks after full flushes)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(MIB)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    if wbits > 16:
        crc = 0
        for _ in range(mebibytes):
            crc = zlib.crc32(zeros, crc)
        trailer = struct.pack("<II", crc, (mebibytes * MIB) & 0xFFFFFFFF)
    else:
        adler = 1
        for _ in range(mebibytes):
            adler = zlib.adler32(zeros, adler)
        trailer = struct.pack(">I", adler)
    return first + block * (mebibytes - 1) + b"\x03\x00" + trailer


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB."""
    return zero_bomb(1024, 31)


def conn(server: ScriptedServer | RawServer, **network: Any) -> dict[str, Any]:
    return {
        "provider": "compatible",
        "base_url": server.url + "/v1",
        "api_key": "sk-test1234",
        "network": network,
        "retry": RetryPolicy(max_retries=0),
    }


def assert_over_cap(error: InvalidResponse, cap: int) -> None:
    assert error.code == "invalid_response"
    assert exit_code_of(error) == 4
    assert f"network.max_response_bytes ({cap} bytes)" in error.message
    assert error.hint is not None and "raise network.max_response_bytes" in error.hint


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, no zlib header
        ("GZip", gzip.compress),
        ("x-gzip", gzip.compress),
    ],
)
def test_compressed_bodies_are_decoded_on_both_faces(
    face: Face, server: ScriptedServer, encoding: str, pack: Any
) -> None:
    body = json.dumps(chat_body("unpacked")).encode()
    headers = {"content-encoding": encoding, "content-type": "application/json"}
    server.script(Reply(body=pack(body), headers=headers))
    result = face.run("chat.create", CHAT, **conn(server))
    assert result.text == "unpacked"
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_gzip_bomb_fails_at_the_cap_without_inflating_it(
    face: Face, server: ScriptedServer, gzip_bomb: bytes
) -> None:
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    server.script(Reply(body=gzip_bomb, headers=headers))
    tracemalloc.start()
    try:
        with pytest.raises(InvalidResponse) as caught:
            face.run("chat.create", CHAT, **conn(server, max_response_bytes=CAP))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_over_cap(caught.value, CAP)
    assert peak < 6 * CAP  # the cap, its joining, buffers: not the 1 GiB it inflates to


def test_a_deflate_bomb_fails_at_the_cap(face: Face, server: ScriptedServer) -> None:
    headers = {"content-encoding": "deflate", "content-type": "application/json"}
    server.script(Reply(body=zero_bomb(64, 15), headers=headers))
    with pytest.raises(InvalidResponse) as caught:
        face.run("chat.create", CHAT, **conn(server, max_response_bytes=MIB))
    assert_over_cap(caught.value, MIB)


def test_a_broken_gzip_body_is_an_invalid_response(face: Face, server: ScriptedServer) -> None:
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    server.script(Reply(body=b"this is not gzip", headers=headers))
    with pytest.raises(InvalidResponse) as caught:
        face.run("chat.create", CHAT, **conn(server))
    assert "gzip response body could not be decoded" in caught.value.message


def test_a_plain_body_over_the_cap_fails(face: Face, server: ScriptedServer) -> None:
    body = json.dumps(chat_body("x" * 5000)).encode()
    server.script(Reply(body=body, headers={"content-type": "application/json"}))
    with pytest.raises(InvalidResponse) as caught:
        face.run("chat.create", CHAT, **conn(server, max_response_bytes=4096))
    assert_over_cap(caught.value, 4096)


def test_a_body_at_the_cap_is_read(face: Face, server: ScriptedServer) -> None:
    body = json.dumps(chat_body("fits")).encode()
    server.script(Reply(body=body, headers={"content-type": "application/json"}))
    result = face.run("chat.create", CHAT, **conn(server, max_response_bytes=len(body)))
    assert result.text == "fits"


def chunked(pieces: int, size: int) -> Any:
    """An answer: a JSON body sent in chunks without a length (``pieces`` of ``size``)."""

    def answer(sock: socket.socket, request: RawRequest) -> bool:
        text = "y" * (pieces * size)
        body = json.dumps(chat_body(text)).encode()
        sock.sendall(head(content_type="application/json", transfer_encoding="chunked"))
        for start in range(0, len(body), size):
            sock.sendall(chunk(body[start : start + size]))
        sock.sendall(b"0\r\n\r\n")
        return True

    return answer


@pytest.fixture
def raw() -> Iterator[list[RawServer]]:
    servers: list[RawServer] = []
    yield servers
    for server in servers:
        server.stop()


def test_a_body_without_a_length_is_counted_as_it_arrives(face: Face, raw: list[RawServer]) -> None:
    raw.append(server := RawServer(chunked(100, 1000)))
    with pytest.raises(InvalidResponse) as caught:
        face.run("chat.create", CHAT, **conn(server, max_response_bytes=50_000))
    assert_over_cap(caught.value, 50_000)
    result = face.run("chat.create", CHAT, **conn(server, max_response_bytes=200_000))
    assert result.text == "y" * 100_000


def event_stream(events: list[Any]) -> bytes:
    lines = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


def test_a_compressed_event_stream_is_decoded(face: Face, server: ScriptedServer) -> None:
    body = gzip.compress(event_stream(chat_chunks(["Hel", "lo"])))
    headers = {"content-encoding": "gzip", "content-type": "text/event-stream"}
    server.script(Reply(body=body, headers=headers))
    texts, result = face.stream("chat.create", CHAT, **conn(server))
    assert texts == ["Hel", "lo"]
    assert result.text == "Hello"


def test_an_event_stream_over_the_cap_fails(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(events=chat_chunks(["word "] * 200)))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("chat.create", CHAT, **conn(server, max_response_bytes=5000))
    assert_over_cap(caught.value, 5000)


def test_an_event_stream_line_over_the_line_limit_fails(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("openai_connector.result_streams.MAX_EVENT_LINE_BYTES", 2000)
    server.script(Reply(events=chat_chunks(["short", "z" * 5000])))
    with pytest.raises(InvalidResponse) as caught:
        face.stream("chat.create", CHAT, **conn(server))
    assert "a line of the event stream is longer than 2000 bytes" in caught.value.message


def test_a_compressed_event_stream_bomb_fails_at_the_cap(
    face: Face, server: ScriptedServer, gzip_bomb: bytes
) -> None:
    headers = {"content-encoding": "gzip", "content-type": "text/event-stream"}
    server.script(Reply(body=gzip_bomb, headers=headers))
    tracemalloc.start()
    try:
        with pytest.raises(InvalidResponse) as caught:
            face.stream("chat.create", CHAT, **conn(server, max_response_bytes=CAP))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "network.max_response_bytes" in caught.value.message
    assert peak < 6 * CAP


def test_the_cli_reports_a_bomb_with_the_setting_to_raise(
    server: ScriptedServer, gzip_bomb: bytes, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[connections.main]\nprovider = "compatible"\nbase_url = "{server.url}/v1"\n'
        f'api_key = "sk-test1234"\n[connections.main.network]\nmax_response_bytes = {CAP}\n'
    )
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    server.script(Reply(body=gzip_bomb, headers=headers))
    argv = ["--config", str(config), "--connection", "main", "chat", "--prompt", "hi"]
    result = CliRunner().invoke(cli, [*argv, "--model", "m"])
    assert result.exit_code == 4
    assert "network.max_response_bytes" in result.stderr

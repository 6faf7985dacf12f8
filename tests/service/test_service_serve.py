"""``openai-connector serve`` as a process: first start, the key printed once, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from openai_connector.cli.main import cli
from openai_connector.cli.serve import is_loopback
from openai_connector.store import Store

COMMAND = Path(sys.executable).with_name("openai-connector")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, key: str | None = None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _start(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_CONNECTOR")}
    process = subprocess.Popen(
        [COMMAND, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline().rstrip("\n") for _ in range(2)]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return process, lines
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)  # the process is starting: nothing to inject here
    process.kill()
    raise AssertionError(f"serve did not answer: {process.communicate()}")


def _stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


def test_first_start_prints_the_address_and_an_admin_key_once(tmp_path: Path) -> None:
    port = _free_port()
    process, lines = _start(tmp_path, port)
    try:
        assert lines == [
            f"web console: http://127.0.0.1:{port}/",
            f"API docs: http://127.0.0.1:{port}/docs",
        ]
        assert process.stdout is not None
        key_line = process.stdout.readline().strip()
        assert key_line.startswith("admin key (shown once, stored hashed): ocs_")
        key = key_line.rsplit(" ", 1)[1]
        assert _get(f"http://127.0.0.1:{port}/healthz") == (200, {"status": "ok"})
        status, keys = _get(f"http://127.0.0.1:{port}/api/keys", key)
        assert status == 200 and [k["name"] for k in keys] == ["admin"]  # type: ignore[index, union-attr]
        assert _get(f"http://127.0.0.1:{port}/api/keys")[0] == 401
    finally:
        code, out, err = _stop(process)
    # uvicorn shuts down gracefully, then ends by the signal it got (as supervisors expect)
    assert code in (0, -signal.SIGTERM), err
    assert "Shutting down" in err and "Finished server process" in err
    assert key not in out + err, "the key is printed once, on its own line"
    assert key.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("service.db*"))

    again, lines = _start(tmp_path, port)
    code, out, err = _stop(again)
    assert "Finished server process" in err
    assert "admin key" not in out, "a second start makes no key"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
def test_a_non_loopback_address_is_refused_while_no_key_exists(tmp_path: Path, host: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", host, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"refusing to listen on {host}: no API key is configured yet" in result.output
    assert "keys create" in result.output
    store = Store.open(data_dir=tmp_path)
    assert store.keys.all() == [], "no key was made for a public address"
    store.close()


def test_a_non_loopback_address_is_allowed_once_a_key_exists(tmp_path: Path) -> None:
    made = CliRunner().invoke(
        cli, ["keys", "create", "--name", "ops", "--role", "admin", "--data-dir", str(tmp_path)]
    )
    assert made.exit_code == 0
    # 192.0.2.1 (TEST-NET-1) is on no interface: the service gets past the rule, then
    # uvicorn cannot bind: exit 2. Nothing listens beyond loopback in a test.
    result = CliRunner().invoke(
        cli, ["serve", "--host", "192.0.2.1", "--port", "9", "--data-dir", str(tmp_path)]
    )
    assert "refusing" not in result.output
    assert "web console: http://192.0.2.1:9/" in result.output
    assert "admin key" not in result.output
    assert result.exit_code == 2
    assert "cannot listen on 192.0.2.1:9" in result.output


def test_the_address_may_come_from_the_environment(tmp_path: Path) -> None:
    made = CliRunner().invoke(
        cli, ["keys", "create", "--name", "ops", "--role", "admin", "--data-dir", str(tmp_path)]
    )
    assert made.exit_code == 0
    env = {"OPENAI_CONNECTOR_HOST": "192.0.2.1", "OPENAI_CONNECTOR_PORT": "9"}
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path)], env=env)
    assert "web console: http://192.0.2.1:9/" in result.output
    assert result.exit_code == 2 and "cannot listen on 192.0.2.1:9" in result.output
    result = CliRunner().invoke(cli, ["serve"], env={"OPENAI_CONNECTOR_PORT": "http"})
    assert result.exit_code == 2 and "Invalid value for '--port'" in result.output


def test_a_revoked_only_key_counts_as_no_key(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    store.keys.create("old", "admin")
    store.keys.revoke("old")
    store.close()
    result = CliRunner().invoke(cli, ["serve", "--host", "10.1.2.3", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "refusing" in result.output


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_bad_database_url_is_exit_2_without_its_password(tmp_path: Path) -> None:
    url = "nosuchdb://user:hunter2@host/db"
    args = ["serve", "--database-url", url, "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "cannot open nosuchdb://user:***@host/db" in result.output
    assert "hunter2" not in result.output

"""Scale-out for real: two ``openai-connector serve`` processes on one PostgreSQL database,
started together on an empty database, a scripted provider on 127.0.0.1 behind their
connector. They split 2,000 executions (each answered, each logged once), share a key's
rate limit and a connector's monthly budget, and make the first admin key once."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import urllib3
from cryptography.fernet import Fernet
from run_fixtures import CHAT_BODY
from sqlalchemy import create_engine, text
from urllib3 import HTTPHeaderDict

from postgres_cluster import free_port
from scripted_server import Recorded, Reply, ScriptedServer

COMMAND = Path(sys.executable).with_name("openai-connector")
EXECUTIONS = 2000
IN_FLIGHT = 16
RATE = 25
HI = {"operation": "chat.create", "params": {"prompt": "Hi"}}

http = urllib3.PoolManager(maxsize=IN_FLIGHT, retries=False, timeout=60)


@dataclass
class Instance:
    """One ``serve`` process: its address, what it printed, its log file."""

    process: subprocess.Popen[str]
    url: str
    log: Path
    printed: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def call(
        self, method: str, path: str, key: str, body: Any = None
    ) -> tuple[int, Any, HTTPHeaderDict]:
        response = http.request(
            method,
            self.url + path,
            body=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        data = json.loads(response.data) if response.data else None
        return response.status, data, response.headers

    def healthy(self) -> bool:
        try:
            return http.request("GET", self.url + "/healthz", timeout=2).status == 200
        except urllib3.exceptions.HTTPError:
            return False


def _launch(database_url: str, data_dir: Path, key: str) -> Instance:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_CONNECTOR")}
    env["OPENAI_CONNECTOR_ENCRYPTION_KEY"] = key
    log = data_dir.with_suffix(".log")
    with open(log, "w") as errors:  # the child keeps its own handle
        process = subprocess.Popen(
            [
                COMMAND,
                "serve",
                "--port",
                str(port),
                "--database-url",
                database_url,
                "--data-dir",
                str(data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
        )
    instance = Instance(process, f"http://127.0.0.1:{port}", log)

    def read_stdout() -> None:
        assert process.stdout is not None
        instance.printed.extend(line.rstrip("\n") for line in process.stdout)

    instance.reader = threading.Thread(target=read_stdout, daemon=True)
    instance.reader.start()
    return instance


def _wait_healthy(instances: list[Instance]) -> None:
    deadline = time.monotonic() + 60
    waiting = list(instances)
    while waiting and time.monotonic() < deadline:
        waiting = [i for i in waiting if i.process.poll() is None and not i.healthy()]
        if any(i.process.poll() is not None for i in instances):
            break
        time.sleep(0.1)  # processes are starting: nothing to inject
    for instance in instances:
        if instance.process.poll() is not None or instance in waiting:
            instance.process.kill()
            raise AssertionError(f"serve did not start: {instance.log.read_text()[-3000:]}")


def _stop(instance: Instance) -> int:
    instance.process.send_signal(signal.SIGTERM)
    return instance.process.wait(60)


@pytest.fixture
def instances(postgres_url: str, tmp_path: Path) -> Iterator[list[Instance]]:
    """Two serve processes started at the same moment on an empty PostgreSQL database."""
    key = Fernet.generate_key().decode()
    started = [_launch(postgres_url, tmp_path / name, key) for name in ("one", "two")]
    try:
        _wait_healthy(started)
        yield started
    finally:
        for instance in started:
            if instance.process.poll() is None:
                instance.process.kill()
                instance.process.wait(10)
            if instance.reader is not None:
                instance.reader.join(10)  # at the end of what the process printed
            if instance.process.stdout is not None:
                instance.process.stdout.close()


def _admin_key(instances: list[Instance]) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(len(i.printed) >= 2 for i in instances):
        time.sleep(0.05)  # the reader threads catch up with what was printed
    keys = [
        line.rsplit(" ", 1)[1]
        for instance in instances
        for line in instance.printed
        if line.startswith("admin key (shown once, stored hashed): ")
    ]
    assert len(keys) == 1, [i.printed for i in instances]
    return keys[0]


def _answered(instance: Instance, path: str, caller: str) -> int:
    """The calls of ``caller`` to ``path`` that the instance's JSON access log shows as 200."""
    count = 0
    for line in instance.log.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            hit = (entry.get("path"), entry.get("caller"), entry.get("status"))
            count += hit == (path, caller, 200)
    return count


def _provider(server: ScriptedServer) -> None:
    """Each answer with its own request id, as a real provider gives."""
    numbers = itertools.count(1)

    def answer(_request: Recorded) -> Reply:
        return Reply(json=CHAT_BODY, headers={"x-request-id": f"req-{next(numbers)}"})

    server.default = answer


@pytest.mark.timeout(900)
def test_two_processes_share_one_postgresql(
    instances: list[Instance], postgres_url: str, server: ScriptedServer
) -> None:
    admin = _admin_key(instances)
    one, two = instances
    _provider(server)
    status, made, _ = one.call(
        "POST",
        "/api/connectors",
        admin,
        {
            "name": "shared",
            "provider": "compatible",
            "config": {"base_url": server.url + "/v1", "default_model": "gpt-4o-mini"},
            "secrets": {"api_key": "sk-shared-provider-key"},
        },
    )
    assert status == 201, made
    status, load, _ = two.call("POST", "/api/keys", admin, {"name": "load", "role": "operator"})
    assert status == 201, load
    execute = f"/api/connectors/{made['id']}/execute"

    # 2,000 executions, split across both processes, IN_FLIGHT at a time
    def run(number: int) -> tuple[int, str | None]:
        status, body, _ = instances[number % 2].call("POST", execute, load["key"], HI)
        return status, (body or {}).get("meta", {}).get("request_id")

    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        answers = list(pool.map(run, range(EXECUTIONS)))
    assert [s for s, _ in answers if s != 200] == []
    assert len({rid for _, rid in answers}) == EXECUTIONS
    assert len(server.requests) == EXECUTIONS
    assert [_answered(i, execute, "load") for i in instances] == [EXECUTIONS // 2] * 2
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            rows, distinct = connection.execute(
                text("SELECT count(*), count(DISTINCT request_id) FROM usage WHERE caller = 'load'")
            ).one()
        assert (rows, distinct) == (EXECUTIONS, EXECUTIONS)

        # a key limited to RATE a minute gets exactly RATE calls through, across both
        _, limited, _ = one.call(
            "POST",
            "/api/keys",
            admin,
            {"name": "limited", "role": "operator", "rate_limit_per_minute": RATE},
        )

        def limited_run(number: int) -> tuple[int, HTTPHeaderDict]:
            status, _, headers = instances[number % 2].call("POST", execute, limited["key"], HI)
            return status, headers

        sent_before = len(server.requests)
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            limited_answers = list(pool.map(limited_run, range(RATE * 2 + 10)))
        statuses = [s for s, _ in limited_answers]
        assert statuses.count(200) == RATE
        assert statuses.count(429) == RATE + 10
        assert all(1 <= int(h["Retry-After"]) <= 60 for s, h in limited_answers if s == 429)
        assert len(server.requests) - sent_before == RATE

        # a budget spent through one process is refused by the other, nothing sent
        status, metered, _ = two.call(
            "POST",
            "/api/connectors",
            admin,
            {
                "name": "metered",
                "provider": "compatible",
                "config": {"base_url": server.url + "/v1", "default_model": "gpt-4o-mini"},
                "secrets": {"api_key": "sk-metered-provider-key"},
                "monthly_budget_usd": 0.0000001,
            },
        )
        assert status == 201, metered
        metered_url = f"/api/connectors/{metered['id']}/execute"
        assert one.call("POST", metered_url, load["key"], HI)[0] == 200
        sent_before = len(server.requests)
        status, refused, _ = two.call("POST", metered_url, load["key"], HI)
        assert status == 402 and refused["error"]["code"] == "budget_exceeded"
        assert len(server.requests) == sent_before
    finally:
        engine.dispose()
    assert all(_stop(i) in (0, -signal.SIGTERM) for i in instances)

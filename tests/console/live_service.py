"""The real service on a free 127.0.0.1 port (uvicorn in a thread), for the browser tests."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import APIRouter

from openai_connector.service import ServiceSettings, create_app
from openai_connector.store import Store
from openai_connector.store.records import UsageRecord

_RUN_ROUTE = re.compile(r"^/api/connectors/\{[^}]+\}/execute$")


@dataclass
class LiveService:
    store: Store
    url: str
    admin_key: str
    has_run_api: bool
    """Whether this service has ``POST /api/connectors/{id}/execute`` (phase 2)."""
    app: Any
    _server: uvicorn.Server
    _thread: threading.Thread

    def key(self, role: str, name: str | None = None) -> str:
        return self.store.keys.create(name or f"{role}-key", role)[1]

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.store.close()


def start_service(data_dir: Path, *routers: APIRouter) -> LiveService:
    app = create_app(ServiceSettings(data_dir=data_dir, environ={}))
    for router in routers:
        app.include_router(router)
    store: Store = app.state.store
    _, admin_key = store.keys.create("admin", "admin")
    # the route table as the app publishes it (included routers do not list their paths)
    has_run_api = any(_RUN_ROUTE.match(path) for path in app.openapi().get("paths", {}))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    return LiveService(
        store, f"http://127.0.0.1:{port}", admin_key, has_run_api, app, server, thread
    )


def seed_usage(store: Store, days: int = 5) -> None:
    """Usage rows over the last ``days`` days: two connectors, two models, some errors."""
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    rows = []
    for back in range(days):
        day = now - timedelta(days=back)
        for n in range(3 + back % 3):
            rows.append(
                UsageRecord(
                    operation="chat.create" if n % 3 else "embeddings.create",
                    connector="support" if n % 2 else "research",
                    model="gpt-4o-mini" if n % 2 else "gpt-4o",
                    provider="openai",
                    status=200 if n != 4 else 429,
                    error_code=None if n != 4 else "rate_limited",
                    prompt_tokens=100 * (n + 1) + back * 10,
                    completion_tokens=40 * (n + 1),
                    cost_usd=0.0001 * (n + 1),
                    latency_ms=200.0 + 37 * n + back,
                    attempts=1 + (n == 4) + (n == 1 and back % 2 == 0),
                    request_id=f"req-{back}-{n}",
                    caller="admin",
                    time=day - timedelta(minutes=n),
                )
            )
    store.usage.record(*rows)


def call(
    service: LiveService, method: str, path: str, key: str | None = None, body: Any = None
) -> tuple[int, Any]:
    """One request to the live service with a key (the admin's unless given): status, JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{service.url}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {key or service.admin_key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            status = answer.status
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        status = exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def add_scripted_connector(service: LiveService, base_url: str, name: str = "scripted") -> None:
    """Register a compatible connector on ``base_url`` (a scripted provider) through the API."""
    status, made = call(
        service,
        "POST",
        "/api/connectors",
        body={
            "name": name,
            "provider": "compatible",
            "config": {"base_url": f"{base_url}/v1", "default_model": "gpt-4o-mini"},
            "secrets": {"api_key": f"sk-{name}-0001"},
        },
    )
    assert status == 201, made

"""The run path keeps one transport (one HTTP session) per version of a registered connector,
and one library connector for the runs that name no files; what a caller sees stays as if
each run were made afresh: an update is used by the next run, a deleted connector is 404, a
revoked key is refused at once (also when another service process on the same database made
the change), and each run keeps its own workspace, caller and usage rows."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from run_fixtures import CHAT_BODY, make_connector
from service_app import Service, start
from service_client import ServiceClient

from openai_connector.observers import Exchange
from openai_connector.service.connector_cache import CURRENT_RUN
from scripted_server import Reply, ScriptedServer

CHAT = {"operation": "chat.create", "params": {"prompt": "Hi"}}
TRANSCRIBE = {"operation": "audio.transcribe", "params": {"model": "whisper-1"}}


def _execute(service: Service, made: dict[str, Any], body: dict[str, Any] = CHAT) -> Any:
    return service.admin.post(f"/api/connectors/{made['id']}/execute", json=body)


def _cache(service: Service) -> Any:
    return service.admin.client.app.state.connector_cache  # type: ignore[attr-defined]


def test_runs_of_one_connector_share_its_transport_and_library_connector(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    assert _execute(service, made).status_code == 200
    first = _cache(service).entry(made["id"])
    assert _execute(service, made).status_code == 200
    again = _cache(service).entry(made["id"])
    assert again is first and first.users == 0 and not first.stale
    assert first.plain(service.store) is again.plain(service.store)
    assert len(server.requests) == 2


def test_an_updated_connector_is_used_by_the_next_run(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    assert _execute(service, made).status_code == 200
    old = _cache(service).entry(made["id"])
    changed = service.admin.patch(
        f"/api/connectors/{made['id']}",
        json={
            "config": {"base_url": server.url + "/v2", "default_model": "gpt-4.1"},
            "secrets": {"api_key": "sk-rotated-key-0123456789"},
        },
    )
    assert changed.status_code == 200, changed.text
    assert _execute(service, made).status_code == 200
    sent = server.requests[-1]
    assert sent.path == "/v2/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-rotated-key-0123456789"
    assert sent.json["model"] == "gpt-4.1"
    assert old.stale and _cache(service).entry(made["id"]) is not old


def test_a_deleted_connector_is_404_on_the_next_run(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    assert _execute(service, made).status_code == 200
    assert service.admin.delete(f"/api/connectors/{made['id']}").status_code == 204
    cached = _cache(service).entry(made["id"])
    refused = _execute(service, made)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "unknown_connector"
    assert _cache(service).entry(made["id"]) is None and cached.stale
    gateway = service.admin.post(
        "/v1/chat/completions",
        json={"model": "support/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
    )
    assert gateway.status_code == 404
    assert len(server.requests) == 1


def test_a_revoked_key_is_refused_on_the_next_request(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    _, key = service.store.keys.create("runner", "operator")
    runner = service.admin.as_key(key)
    assert runner.post(f"/api/connectors/{made['id']}/execute", json=CHAT).status_code == 200
    assert service.admin.delete("/api/keys/runner").status_code in (200, 204)
    refused = runner.post(f"/api/connectors/{made['id']}/execute", json=CHAT)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_key"
    assert len(server.requests) == 1


def test_changes_made_by_another_service_process_hold_at_once(
    tmp_path: Path, server: ScriptedServer
) -> None:
    """Two applications on one database (as two processes behind a load balancer): a
    revocation, an update and a deletion made through one are seen by the other's next
    request, cached connector or not."""
    data = tmp_path / "data"
    store_a, client_a = start(data)
    store_b, client_b = start(data)
    _, admin = store_a.keys.create("admin", "admin")
    _, key = store_a.keys.create("runner", "operator")
    server.default = Reply(json=CHAT_BODY)
    with client_a, client_b:
        a = Service(store_a, ServiceClient(client_a, admin), data)
        b = ServiceClient(client_b, admin)
        made = make_connector(a, server)
        url = f"/api/connectors/{made['id']}/execute"
        assert a.admin.as_key(key).post(url, json=CHAT).status_code == 200

        moved = {"config": {"base_url": server.url + "/other/v1", "default_model": "gpt-4o-mini"}}
        assert b.patch(f"/api/connectors/{made['id']}", json=moved).status_code == 200
        assert a.admin.as_key(key).post(url, json=CHAT).status_code == 200
        assert server.requests[-1].path == "/other/v1/chat/completions"

        assert b.delete("/api/keys/runner").status_code in (200, 204)
        assert a.admin.as_key(key).post(url, json=CHAT).status_code == 401

        assert b.delete(f"/api/connectors/{made['id']}").status_code == 204
        assert a.admin.post(url, json=CHAT).status_code == 404
    assert len(server.requests) == 2
    store_a.close()
    store_b.close()


def test_each_run_keeps_its_own_caller_and_usage_rows(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY)
    names = [f"caller-{n}" for n in range(4)]
    clients = [service.client_with_role("operator", name) for name in names]
    for client in clients:
        done = client.post(f"/api/connectors/{made['id']}/execute", json=CHAT)
        assert done.status_code == 200
    rows = service.store.usage.rows()
    assert sorted(row["caller"] for row in rows) == names
    assert CURRENT_RUN.get() is None  # nothing of a run is left in the caller's context


def test_concurrent_runs_on_one_shared_connector_each_get_their_own_rows(
    service: Service, server: ScriptedServer
) -> None:
    """Runs in flight together on the shared library connector: each exchange goes to the
    run in whose context it happened."""
    from openai_connector.service.runs import Run

    made = make_connector(service, server)
    server.default = Reply(json=CHAT_BODY, delay=0.05)
    app = service.admin.client.app  # type: ignore[attr-defined]
    record = service.store.connectors.get(made["id"])
    keys = [service.store.keys.create(f"k{n}", "operator")[0] for n in range(8)]
    seen: dict[str, list[str]] = {}

    class Request:
        def __init__(self) -> None:
            self.app = app

    async def one(key: Any) -> None:
        run = Run(Request(), key, record, "chat.create", {"prompt": "Hi"})  # type: ignore[arg-type]
        original = run._observe

        def observe(event: Any) -> None:
            if isinstance(event, Exchange):
                seen.setdefault(key.name, []).append(event.run_id)
            original(event)

        run._observe = observe  # type: ignore[method-assign]
        async with run:
            await run.run()

    async def all_of_them() -> None:
        app.state.connector_cache.bind(asyncio.get_running_loop())
        await asyncio.gather(*(one(key) for key in keys))
        await app.state.connector_cache.aclose()

    asyncio.run(all_of_them())
    assert sorted(seen) == sorted(k.name for k in keys)
    assert all(len(ids) == 1 for ids in seen.values())  # one exchange each, its own
    assert len({ids[0] for ids in seen.values()}) == len(keys)
    rows = service.store.usage.rows()
    assert sorted(row["caller"] for row in rows) == sorted(k.name for k in keys)


def test_workspaces_stay_per_call(service: Service, server: ScriptedServer) -> None:
    """A run whose input names files gets its own folder (and only it); a run that names
    none gets no folder and may reach no local path."""
    made = make_connector(service, server)
    server.default = Reply(json={"text": "hello there"})
    sent = []
    for name in ("one.mp3", "two.mp3"):
        response = service.admin.post(
            f"/api/connectors/{made['id']}/execute",
            data={"request": json.dumps(TRANSCRIBE)},
            files={"file": (name, name.encode() * 10, "audio/mpeg")},
        )
        assert response.status_code == 200, response.text
        sent.append(server.requests[-1].body)
    assert b"one.mp3" in sent[0] and b"two.mp3" not in sent[0]
    assert b"two.mp3" in sent[1] and b"one.mp3" not in sent[1]
    folder = service.data_dir / "workspaces"
    assert not folder.exists() or not any(folder.iterdir())

    leaked = service.data_dir / "secret.txt"
    leaked.write_text("host file")
    refused = _execute(
        service,
        made,
        {"operation": "audio.transcribe", "params": {"model": "whisper-1", "file": str(leaked)}},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == "file"
    assert b"host file" not in b"".join(r.body for r in server.requests)


@pytest.mark.parametrize("route", ["execute", "gateway"])
def test_a_connector_setting_the_library_refuses_is_422_and_nothing_is_cached(
    service: Service, server: ScriptedServer, route: str
) -> None:
    made = make_connector(service, server)
    service.store.connectors.update(made["id"], {"config": {"base_url": "not a url"}})
    if route == "execute":
        refused = _execute(service, made)
        assert refused.status_code == 422
    else:
        refused = service.admin.post(
            "/v1/chat/completions",
            json={"model": "support/gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]},
        )
        assert refused.status_code == 422
    assert _cache(service).entry(made["id"]) is None
    assert server.requests == []

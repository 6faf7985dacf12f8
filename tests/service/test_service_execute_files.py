"""Files in and out of a run: multipart uploads into the call's workspace, produced files
inline (base64) or as one-time downloads; the workspace is removed after the call."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from run_fixtures import make_connector
from service_app import Service, start
from service_client import ServiceClient

from scripted_server import Reply, ScriptedServer

SOUND = b"ID3" + bytes(range(256)) * 4


def _workspaces_empty(service_dir: Path) -> bool:
    folder = service_dir / "workspaces"
    return not folder.exists() or not any(folder.iterdir())


def test_bytes_come_back_inline_as_base64(service: Service, server: ScriptedServer) -> None:
    made = make_connector(service, server)
    server.default = Reply(body=SOUND, headers={"content-type": "audio/mpeg"})
    answer = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={"operation": "audio.speech", "params": {"input": "Hi", "voice": "alloy"}},
    ).json()
    assert base64.b64decode(answer["body"]["base64"]) == SOUND
    assert answer["body"]["content_type"] == "audio/mpeg"
    assert _workspaces_empty(service.data_dir)


def test_a_file_written_in_the_workspace_comes_back_and_the_workspace_goes(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(body=SOUND, headers={"content-type": "audio/mpeg"})
    answer = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        json={
            "operation": "audio.speech",
            "params": {"input": "Hi", "voice": "alloy", "output": "hello.mp3"},
        },
    ).json()
    [produced] = answer["meta"]["files"]
    assert produced["name"] == "hello.mp3"
    assert base64.b64decode(produced["base64"]) == SOUND
    assert _workspaces_empty(service.data_dir)


def test_a_large_file_is_a_download_fetched_once_by_its_caller(
    tmp_path: Path, server: ScriptedServer
) -> None:
    store, client = start(tmp_path / "d", max_inline_bytes=100)
    _, key = store.keys.create("admin", "admin")
    _, other = store.keys.create("other", "operator")
    with client:
        from service_app import Service

        service = Service(store, ServiceClient(client, key), tmp_path / "d")
        made = make_connector(service, server)
        server.default = Reply(body=SOUND, headers={"content-type": "audio/mpeg"})
        answer = service.admin.post(
            f"/api/connectors/{made['id']}/execute",
            json={"operation": "audio.speech", "params": {"input": "Hi", "voice": "alloy"}},
        ).json()
        url = answer["body"]["download"]
        assert url.startswith("/api/downloads/")
        assert service.admin.as_key(other).get(url).status_code == 404
        fetched = service.admin.get(url)
        assert fetched.status_code == 200 and fetched.content == SOUND
        assert service.admin.get(url).status_code == 404
        assert not any((tmp_path / "d" / "downloads").iterdir())
    store.close()


def test_an_upload_is_streamed_into_the_workspace_and_sent(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    server.default = Reply(json={"text": "hello there"})
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute",
        data={
            "request": json.dumps(
                {"operation": "audio.transcribe", "params": {"model": "whisper-1"}}
            )
        },
        files={"file": ("talk.mp3", SOUND, "audio/mpeg")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["body"] == {"text": "hello there"}
    assert SOUND in server.requests[-1].body
    assert b'filename="talk.mp3"' in server.requests[-1].body
    assert _workspaces_empty(service.data_dir)


def test_a_multipart_call_without_its_request_part_is_422(
    service: Service, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    response = service.admin.post(
        f"/api/connectors/{made['id']}/execute", files={"file": ("a.mp3", SOUND, "audio/mpeg")}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "request"


def test_an_upload_over_the_limit_is_413(tmp_path: Path, server: ScriptedServer) -> None:
    store, client = start(tmp_path / "d", max_upload_bytes=500)
    _, key = store.keys.create("admin", "admin")
    with client:
        response = client.post(
            "/api/connectors/x/execute",
            data={"request": "{}"},
            files={"file": ("a.mp3", SOUND, "audio/mpeg")},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 413
    assert server.requests == []
    store.close()


def test_a_chunked_upload_is_cut_off_when_it_passes_the_limit(
    tmp_path: Path, server: ScriptedServer
) -> None:
    store, client = start(tmp_path / "d", max_upload_bytes=4000)
    _, key = store.keys.create("admin", "admin")
    boundary = "XyZ"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n'
        '{"operation": "audio.transcribe", "params": {"model": "whisper-1"}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n'
        "Content-Type: audio/mpeg\r\n\r\n"
    ).encode()

    def body():  # type: ignore[no-untyped-def]
        yield head
        for _ in range(10):
            yield b"\x00" * 1000  # no Content-Length: counted as it arrives
        yield f"\r\n--{boundary}--\r\n".encode()

    with client:
        made = Service(store, ServiceClient(client, key), tmp_path / "d")
        created = make_connector(made, server)
        response = client.post(
            f"/api/connectors/{created['id']}/execute",
            content=body(),
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
    assert response.status_code == 413
    assert server.requests == []
    assert _workspaces_empty(tmp_path / "d")
    store.close()


def test_the_execute_body_is_described_in_the_openapi_document(service: Service) -> None:
    spec = service.admin.get("/openapi.json").json()
    body = spec["paths"]["/api/connectors/{ref}/execute"]["post"]["requestBody"]["content"]
    assert "operation" in body["application/json"]["schema"]["properties"]
    assert "multipart/form-data" in body

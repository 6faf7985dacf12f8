"""The trust policy a face chooses: secret references, local files, host features.

Each choice runs on both faces; a refusal is shown by the error naming the field and by the
scripted server having seen no request.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from multipart_form import FilePart, form_dict
from openai_connector import (
    ConfigError,
    Connector,
    InvalidInput,
    SecretNotFound,
    SecretSource,
    SecretStore,
    TrustPolicy,
)
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.operations.chat import ChatInput
from scripted_server import Reply, ScriptedServer, chat_body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x01" * 2 + b"rest"
REFERENCE = "{{secrets.POLICY_TEST_SECRET}}"


def conn(server: ScriptedServer, **more: Any) -> dict[str, Any]:
    return {
        "provider": "openai",
        "base_url": server.url + "/v1",
        "api_key": "sk-test1234",
        "retry": {"max_retries": 0},
        **more,
    }


class Vault:
    """A face's own secret store (a service's encrypted store, say)."""

    def __init__(self, **values: str) -> None:
        self.values = values
        self.asked: list[str] = []

    def get(self, name: str) -> str | None:
        self.asked.append(name)
        return self.values.get(name)

    def describe(self) -> str:
        return "the test vault"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the workspace holding a readable file."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "secret.jsonl").write_bytes(b'{"a": 1}\n')
    (other / "photo.png").write_bytes(PNG)
    return other


def refused(face: Face, server: ScriptedServer, op: str, params: Any, **options: Any) -> str:
    """Run a call that the policy must refuse; the field named. Nothing reached the server."""
    with pytest.raises(InvalidInput) as caught:
        face.run(op, params, **conn(server), **options)
    assert server.requests == []
    assert caught.value.field is not None
    return caught.value.field


# -------------------------------------------------------------- the presets


def test_presets() -> None:
    assert TrustPolicy.trusted() == TrustPolicy()
    trusted = TrustPolicy.trusted()
    assert (trusted.input_secrets, trusted.secrets, trusted.files, trusted.host_features) == (
        True,
        None,
        "host",
        True,
    )
    vault = Vault()
    strict = TrustPolicy.strict(secrets=vault, workspace="/srv/work")
    assert strict == TrustPolicy(False, vault, Path("/srv/work"), False)
    assert TrustPolicy.strict().files == "none"
    assert isinstance(SecretStore(), SecretSource)
    assert isinstance(vault, SecretSource)


def test_a_files_mode_that_is_not_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"policy\.files"):
        TrustPolicy(files="anywhere")  # type: ignore[arg-type]


def test_a_workspace_that_is_not_a_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"policy\.files: the workspace"):
        Connector(api_key="sk-x", policy=TrustPolicy.strict(workspace=tmp_path / "missing"))


# -------------------------------------------------------- secrets in input


@pytest.mark.parametrize(
    ("op", "params", "field"),
    [
        ("chat.create", {"prompt": f"the password is {REFERENCE}"}, "prompt"),
        (
            "chat.create",
            {"prompt": "hi", "history": [{"role": "user", "content": [REFERENCE]}]},
            "history.0.content.0",
        ),
        (
            "chat.create",
            {"history": [{"role": "user", "content": [{"type": "text", "text": REFERENCE}]}]},
            "history.0.content.0.text",
        ),
        (
            "chat.create_many",
            {"prompts": ["fine", {"prompt": f"x {REFERENCE}"}]},
            "prompts.1.prompt",
        ),
        ("raw.request", {"method": "POST", "path": "/x", "data": {"a": [REFERENCE]}}, "data.a.0"),
        ("raw.request", {"path": "/x", "headers": {"x-key": REFERENCE}}, "headers.x-key"),
        (
            "raw.request",
            {"path": "/x", "query_params": {REFERENCE: "1"}},
            f"query_params.{REFERENCE}",
        ),
        ("raw.request", {"path": "/x", "query_params": {"q": REFERENCE}}, "query_params.q"),
    ],
)
def test_strict_refuses_secret_references_in_input(
    face: Face,
    server: ScriptedServer,
    monkeypatch: pytest.MonkeyPatch,
    op: str,
    params: dict[str, Any],
    field: str,
) -> None:
    monkeypatch.setenv("POLICY_TEST_SECRET", "hunter2")
    params = {"model": "gpt-4o-mini", **params} if op.startswith("chat") else params
    with pytest.raises(InvalidInput, match="not resolved in input") as caught:
        face.run(op, params, **conn(server), policy=TrustPolicy.strict())
    assert caught.value.field == field
    assert "hunter2" not in str(caught.value)
    assert server.requests == []


def test_strict_refuses_a_reference_in_a_streamed_call(face: Face, server: ScriptedServer) -> None:
    with pytest.raises(InvalidInput) as caught:
        face.stream(
            "chat.create",
            {"prompt": REFERENCE, "model": "gpt-4o-mini"},
            **conn(server),
            policy=TrustPolicy.strict(),
        )
    assert caught.value.field == "prompt"
    assert server.requests == []


def test_strict_refuses_a_reference_in_an_input_model_too(
    face: Face, server: ScriptedServer
) -> None:
    data = ChatInput(prompt=REFERENCE, model="gpt-4o-mini")
    assert refused(face, server, "chat.create", data, policy=TrustPolicy.strict()) == "prompt"


def test_trusted_resolves_references_in_input(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_TEST_SECRET", "hunter2")
    server.default = Reply(json=chat_body())
    face.run(
        "chat.create_many",
        {"model": "gpt-4o-mini", "prompts": [{"prompt": f"x {REFERENCE}"}]},
        **conn(server),
    )
    assert server.requests[0].json["messages"][-1]["content"] == "x hunter2"


def test_trusted_resolves_references_inside_a_chat_history(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_TEST_SECRET", "hunter2")
    server.default = Reply(json=chat_body())
    history = [{"role": "user", "content": [{"type": "text", "text": f"key {REFERENCE}"}]}]
    face.run("chat.create", {"model": "gpt-4o-mini", "history": history}, **conn(server))
    sent = server.requests[0].json["messages"][0]["content"][0]["text"]
    assert sent == "key hunter2"


def test_input_secrets_alone_can_be_turned_off(face: Face, server: ScriptedServer) -> None:
    policy = TrustPolicy(input_secrets=False)
    assert refused(face, server, "chat.create", {"prompt": REFERENCE}, policy=policy) == "prompt"


# ---------------------------------------------------- the face's secret store


def test_strict_resolves_connection_settings_from_its_store_never_the_environment(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_KEY", "sk-from-the-environment")
    vault = Vault(TEAM_KEY="sk-from-the-vault\n")
    server.default = Reply(json=chat_body())
    face.run(
        "chat.create",
        {"prompt": "hi", "model": "gpt-4o-mini"},
        **conn(server, api_key="{{secrets.TEAM_KEY}}"),
        policy=TrustPolicy.strict(secrets=vault),
    )
    assert server.requests[0].headers["authorization"] == "Bearer sk-from-the-vault"
    assert vault.asked == ["TEAM_KEY"]


def test_a_secret_missing_from_the_store_is_not_looked_for_in_the_environment(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_KEY", "sk-from-the-environment")
    with pytest.raises(SecretNotFound) as caught:
        face.run(
            "chat.create",
            {"prompt": "hi", "model": "gpt-4o-mini"},
            **conn(server, api_key="{{secrets.TEAM_KEY}}"),
            policy=TrustPolicy.strict(secrets=Vault()),
        )
    assert caught.value.hint is not None and "the test vault" in caught.value.hint
    assert server.requests == []


def test_a_value_from_the_store_with_a_line_break_inside_is_refused(
    face: Face, server: ScriptedServer
) -> None:
    with pytest.raises(ConfigError, match="secret TEAM_KEY"):
        face.run(
            "chat.create",
            {"prompt": "hi", "model": "gpt-4o-mini"},
            **conn(server, api_key="{{secrets.TEAM_KEY}}"),
            policy=TrustPolicy.strict(secrets=Vault(TEAM_KEY="sk-a\nsk-b")),
        )
    assert server.requests == []


# --------------------------------------------------------------- host features


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"azure_ad_token_command": "echo token"}, "azure_ad_token_command"),
        ({"network": {"verify": "/etc/ssl/ca.pem"}}, "network.verify"),
        ({"network": {"client_cert": "/etc/ssl/me.pem"}}, "network.client_cert"),
        ({"network": {"client_key": "/etc/ssl/me.key"}}, "network.client_key"),
    ],
)
def test_strict_refuses_connection_settings_that_touch_the_host(
    face: Face, server: ScriptedServer, settings: dict[str, Any], setting: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{setting}: .* not allowed") as caught:
        face.run(
            "models.list",
            {},
            **{**conn(server), **settings},
            policy=TrustPolicy.strict(),
        )
    assert exit_code_of(caught.value) == 2
    assert server.requests == []


def test_strict_keeps_plain_network_settings(face: Face, server: ScriptedServer) -> None:
    face.run(
        "models.list",
        {},
        **conn(server, network={"verify": False}),
        policy=TrustPolicy.strict(),
    )
    assert len(server.requests) == 1


# ---------------------------------------------------------------- workspace


def upload(path: str) -> dict[str, Any]:
    return {"file": path, "purpose": "batch"}


def test_workspace_paths_are_relative_to_the_root_not_the_working_folder(
    face: Face,
    server: ScriptedServer,
    workspace: Path,
    elsewhere: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (workspace / "data").mkdir()
    (workspace / "data" / "secret.jsonl").write_bytes(b'{"in": "workspace"}\n')
    (elsewhere / "data").mkdir()
    (elsewhere / "data" / "secret.jsonl").write_bytes(b'{"in": "cwd"}\n')
    monkeypatch.chdir(elsewhere)
    server.default = Reply(json={"id": "file-1", "object": "file"})
    policy = TrustPolicy.strict(workspace=workspace)
    face.run("files.upload", upload("data/secret.jsonl"), **conn(server), policy=policy)
    face.run(
        "files.upload",
        upload(str(workspace / "data" / "secret.jsonl")),  # absolute inside: accepted
        **conn(server),
        policy=policy,
    )
    for request in server.requests:
        sent = form_dict(request)["file"]
        assert isinstance(sent, FilePart)
        assert (sent.filename, sent.content) == ("secret.jsonl", b'{"in": "workspace"}\n')


@pytest.mark.parametrize("how", ["dotdot", "absolute", "link", "linked-folder"])
def test_workspace_refuses_paths_that_leave_it(
    face: Face, server: ScriptedServer, workspace: Path, elsewhere: Path, how: str
) -> None:
    (workspace / "inner").mkdir()
    (workspace / "link.jsonl").symlink_to(elsewhere / "secret.jsonl")
    (workspace / "out").symlink_to(elsewhere, target_is_directory=True)
    path = {
        "dotdot": "inner/../../elsewhere/secret.jsonl",
        "absolute": str(elsewhere / "secret.jsonl"),
        "link": "link.jsonl",
        "linked-folder": "out/secret.jsonl",
    }[how]
    policy = TrustPolicy.strict(workspace=workspace)
    assert refused(face, server, "files.upload", upload(path), policy=policy) == "file"


@pytest.mark.parametrize(
    ("op", "params", "field"),
    [
        ("chat.create", {"prompt": "what is it?", "images": ["PHOTO"]}, "images"),
        ("images.variation", {"image": "PHOTO"}, "image"),
        ("images.edit", {"image": ["PHOTO"], "prompt": "x"}, "image"),
        (
            "images.edit",
            {"image": "data:image/png;base64,AA==", "mask": "PHOTO", "prompt": "x"},
            "mask",
        ),
        ("audio.transcribe", {"file": "PHOTO"}, "file"),
        ("raw.request", {"method": "POST", "path": "/x", "file_data": {"f": "PHOTO"}}, "file_data"),
    ],
)
def test_workspace_refuses_every_input_path_outside_it(
    face: Face,
    server: ScriptedServer,
    workspace: Path,
    elsewhere: Path,
    op: str,
    params: dict[str, Any],
    field: str,
) -> None:
    outside = str(elsewhere / "photo.png")
    params = {k: _swap(v, outside) for k, v in params.items()}
    if op.startswith("chat"):
        params["model"] = "gpt-4o-mini"
    policy = TrustPolicy.strict(workspace=workspace)
    assert refused(face, server, op, params, policy=policy) == field


def _swap(value: Any, path: str) -> Any:
    if value == "PHOTO":
        return path
    if isinstance(value, list):
        return [_swap(v, path) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, path) for k, v in value.items()}
    return value


def test_workspace_reads_a_chat_image_inside_it(
    face: Face, server: ScriptedServer, workspace: Path
) -> None:
    (workspace / "photo.png").write_bytes(PNG)
    server.default = Reply(json=chat_body())
    face.run(
        "chat.create",
        {"prompt": "what is it?", "images": ["photo.png"], "model": "gpt-4o-mini"},
        **conn(server),
        policy=TrustPolicy.strict(workspace=workspace),
    )
    part = server.requests[0].json["messages"][-1]["content"][1]
    assert part["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.mark.parametrize("path", ["../speech.mp3", "ABSOLUTE", "out/speech.mp3"])
def test_workspace_refuses_an_output_path_that_leaves_it(
    face: Face, server: ScriptedServer, workspace: Path, elsewhere: Path, path: str
) -> None:
    (workspace / "out").symlink_to(elsewhere, target_is_directory=True)
    path = str(elsewhere / "speech.mp3") if path == "ABSOLUTE" else path
    params = {"input": "hello", "voice": "alloy", "output": path}
    policy = TrustPolicy.strict(workspace=workspace)
    assert refused(face, server, "audio.speech", params, policy=policy) == "output"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["photo.png", "secret.jsonl"]


def test_workspace_writes_outputs_inside_it_by_default(
    face: Face,
    server: ScriptedServer,
    workspace: Path,
    elsewhere: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(elsewhere)
    policy = TrustPolicy.strict(workspace=workspace)
    server.script(Reply(body=b"ID3 sound", headers={"content-type": "audio/mpeg"}))
    result = face.run(
        "audio.speech",
        {"input": "hello", "voice": "alloy", "output": "sounds/hello.mp3"},
        **conn(server),
        policy=policy,
    )
    assert (workspace / "sounds" / "hello.mp3").read_bytes() == b"ID3 sound"
    assert result.body["path"] == str(workspace.resolve() / "sounds" / "hello.mp3")
    server.script(
        Reply(json={"created": 1, "data": [{"b64_json": base64.b64encode(PNG).decode()}]})
    )
    result = face.run(
        "images.generate",
        {"prompt": "a cat", "output_name": "cat"},
        **conn(server),
        policy=policy,
    )
    assert (workspace / "cat.png").read_bytes() == PNG
    assert sorted(p.name for p in elsewhere.iterdir()) == ["photo.png", "secret.jsonl"]


def test_workspace_downloads_stream_inside_it(
    face: Face, server: ScriptedServer, workspace: Path
) -> None:
    server.script(Reply(body=b"line\n", headers={"content-type": "application/octet-stream"}))
    face.run(
        "files.content",
        {"file_id": "file-1", "output": "got/content.jsonl"},
        **conn(server),
        policy=TrustPolicy.strict(workspace=workspace),
    )
    assert (workspace / "got" / "content.jsonl").read_bytes() == b"line\n"


@pytest.mark.parametrize(
    ("op", "params", "field"),
    [
        ("jsonl.build", {"records": [{"a": 1}], "output": "../x.jsonl"}, "output"),
        ("chat.create_many", {"prompts": ["a"], "output": "../x.jsonl"}, "output"),
        ("files.content", {"file_id": "file-1", "output": "../x.bin"}, "output"),
        ("images.generate", {"prompt": "a cat", "output_dir": "../pictures"}, "output_dir"),
        ("batches.wait", {"batch_id": "batch_1", "output_dir": "../batches"}, "output_dir"),
    ],
)
def test_workspace_refuses_every_output_outside_it(
    face: Face,
    server: ScriptedServer,
    workspace: Path,
    op: str,
    params: dict[str, Any],
    field: str,
) -> None:
    if op.startswith("chat"):
        params = {**params, "model": "gpt-4o-mini"}
    policy = TrustPolicy.strict(workspace=workspace)
    assert refused(face, server, op, params, policy=policy) == field


# ------------------------------------------------------------- no files at all


@pytest.mark.parametrize(
    ("op", "params", "field"),
    [
        ("files.upload", {"file": "train.jsonl", "purpose": "batch"}, "file"),
        ("chat.create", {"prompt": "what?", "images": ["photo.png"]}, "images"),
        ("images.variation", {"image": "photo.png"}, "image"),
        ("images.edit", {"image": "photo.png", "prompt": "x"}, "image"),
        ("audio.transcribe", {"file": "photo.png"}, "file"),
        (
            "raw.request",
            {"method": "POST", "path": "/x", "file_data": {"f": "photo.png"}},
            "file_data",
        ),
        ("audio.speech", {"input": "hi", "voice": "alloy", "output": "x.mp3"}, "output"),
        ("files.content", {"file_id": "file-1", "output": "x.bin"}, "output"),
        ("jsonl.build", {"records": [{"a": 1}], "output": "x.jsonl"}, "output"),
        ("chat.create_many", {"prompts": ["a"], "output": "x.jsonl"}, "output"),
        ("images.generate", {"prompt": "a cat", "output_dir": "pictures"}, "output_dir"),
        ("images.generate", {"prompt": "a cat", "output_name": "cat"}, "output_name"),
        ("batches.wait", {"batch_id": "batch_1", "output_dir": "."}, "output_dir"),
    ],
)
def test_no_files_refuses_every_path_field(
    face: Face,
    server: ScriptedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    op: str,
    params: dict[str, Any],
    field: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("train.jsonl", "photo.png"):
        (tmp_path / name).write_bytes(PNG)  # present and readable: still refused
    if op.startswith("chat"):
        params = {**params, "model": "gpt-4o-mini"}
    assert refused(face, server, op, params, policy=TrustPolicy.strict()) == field
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png", "train.jsonl"]


def test_no_files_accepts_bytes_and_data_urls(face: Face, server: ScriptedServer) -> None:
    policy = TrustPolicy.strict()
    server.default = Reply(json={"id": "file-1", "object": "file"})
    face.run(
        "files.upload",
        {"file": b'{"a": 1}\n', "filename": "t.jsonl", "purpose": "batch"},
        **conn(server),
        policy=policy,
    )
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    server.default = Reply(json=chat_body())
    face.run(
        "chat.create",
        {"prompt": "what?", "images": [data_url], "model": "gpt-4o-mini"},
        **conn(server),
        policy=policy,
    )
    sent = form_dict(server.requests[0])["file"]
    assert isinstance(sent, FilePart) and sent.content == b'{"a": 1}\n'
    assert server.requests[1].json["messages"][-1]["content"][1]["image_url"]["url"] == data_url


def test_no_files_returns_outputs_inline_instead_of_writing(
    face: Face, server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    encoded = base64.b64encode(PNG).decode()
    server.script(Reply(json={"created": 1, "data": [{"b64_json": encoded}]}))
    result = face.run(
        "images.generate",
        {"prompt": "a cat", "keep_b64": False},
        **conn(server),
        policy=TrustPolicy.strict(),
    )
    assert result.body["data"][0]["b64_json"] == encoded  # nowhere else to keep it
    assert "files" not in result.extra
    server.script(Reply(body=b"ID3 sound", headers={"content-type": "audio/mpeg"}))
    result = face.run(
        "audio.speech",
        {"input": "hi", "voice": "alloy"},
        **conn(server),
        policy=TrustPolicy.strict(),
    )
    assert result.body == b"ID3 sound"
    assert list(tmp_path.iterdir()) == []


def test_no_files_batches_wait_downloads_nothing(
    face: Face, server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server.script(
        Reply(json={"id": "batch_1", "status": "completed", "output_file_id": "file-out"})
    )
    result = face.run(
        "batches.wait", {"batch_id": "batch_1"}, **conn(server), policy=TrustPolicy.strict()
    )
    assert result.body["output_file_id"] == "file-out"
    assert [r.path for r in server.requests] == ["/v1/batches/batch_1"]
    assert result.extra["files"] == []
    assert list(tmp_path.iterdir()) == []


def test_trusted_still_reads_any_local_path(
    face: Face, server: ScriptedServer, elsewhere: Path
) -> None:
    server.default = Reply(json={"id": "file-1", "object": "file"})
    face.run("files.upload", upload(str(elsewhere / "secret.jsonl")), **conn(server))
    assert len(server.requests) == 1


def test_the_library_default_is_unchanged_for_the_cli_and_faces() -> None:
    with Connector(api_key="sk-x") as connector:
        assert connector._core.policy == TrustPolicy.trusted()
        assert connector.context.files.mode == "host"


# ------------------------------------------------------------ the workflow face


def test_the_workflow_executor_runs_connectors_under_the_strict_policy(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openai_connector.connection import Connection
    from openai_connector.workflow.tasks import ConnectorExecutor

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAM_KEY", "sk-from-the-environment")
    executor = ConnectorExecutor(secrets=Vault(TEAM_KEY="sk-from-the-engine"))
    connection = Connection(**conn(server, api_key="{{secrets.TEAM_KEY}}"))
    encoded = base64.b64encode(PNG).decode()
    server.script(Reply(json={"created": 1, "data": [{"b64_json": encoded}]}))
    try:
        result = executor.run(connection, "images.generate", {"prompt": "a cat"}, element="t")
        assert server.requests[0].headers["authorization"] == "Bearer sk-from-the-engine"
        assert result.body["data"][0]["b64_json"] == encoded
        assert list(tmp_path.iterdir()) == []  # not written to the engine's working folder
        commanding = connection.model_copy(update={"azure_ad_token_command": "echo t"})
        with pytest.raises(ConfigError, match="azure_ad_token_command"):
            executor.run(commanding, "models.list", {}, element="t")
    finally:
        executor.close()

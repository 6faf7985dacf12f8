"""Connections from flags, profiles and the environment; Azure rules; Entra ID; TLS; proxy."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from openai_connector import (
    AsyncConnector,
    BadRequest,
    ConfigError,
    Connection,
    Connector,
    ConnectorWarning,
    NotFound,
    SecretStore,
    UnsupportedOperation,
    build_connection,
    load_config,
)
from openai_connector.config import ConfigFile, guess_provider
from openai_connector.providers.azure import version_at_least
from openai_connector.providers.entra import EntraTokenCommand, jwt_expiry
from scripted_server import Reply, ScriptedServer, chat_body

CHAT = {"model": "my-deployment", "prompt": "hi"}

OPENAI_ENV = {
    "OPENAI_API_KEY": "sk-env-key",
    "OPENAI_BASE_URL": "https://env.example/v1",
    "OPENAI_ORG_ID": "org-env",
    "OPENAI_PROJECT_ID": "proj-env",
}
AZURE_ENV = {
    "AZURE_OPENAI_API_KEY": "azure-env-key",
    "AZURE_OPENAI_ENDPOINT": "https://env-resource.openai.azure.com",
    "OPENAI_API_VERSION": "2024-06-01",
    "AZURE_OPENAI_AD_TOKEN": "env-ad-token",
}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


PROFILES = """
default_connection = "main"

[connections.main]
provider = "openai"
api_key = "{{secrets.MAIN_KEY}}"
base_url = "https://profile.example/v1"
organization = "org-profile"
default_model = "gpt-4o-mini"
[connections.main.retry]
max_retries = 4
[connections.main.timeout]
total = 30

[connections.work]
provider = "azure"
endpoint = "https://work.openai.azure.com"
api_key = "{{secrets.WORK_KEY}}"
api_version = "2024-10-21"
"""


# ------------------------------------------------------------------- precedence


def test_environment_alone_openai() -> None:
    connection = build_connection(environ=OPENAI_ENV)
    assert connection.provider == "openai"
    assert connection.api_key == "sk-env-key"
    assert connection.base_url == "https://env.example/v1"
    assert connection.organization == "org-env"
    assert connection.project == "proj-env"


def test_environment_alone_azure() -> None:
    connection = build_connection(environ=AZURE_ENV)
    assert connection.provider == "azure"
    assert connection.api_key == "azure-env-key"
    assert connection.endpoint == "https://env-resource.openai.azure.com"
    assert connection.api_version == "2024-06-01"
    assert connection.azure_ad_token == "env-ad-token"


def test_profile_beats_environment_and_explicit_beats_profile(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, PROFILES))
    from_profile = build_connection(config=config, environ=OPENAI_ENV)
    assert from_profile.api_key == "{{secrets.MAIN_KEY}}"
    assert from_profile.base_url == "https://profile.example/v1"
    assert from_profile.organization == "org-profile"
    assert from_profile.project == "proj-env"  # not in the profile: the environment's
    assert from_profile.retry.max_retries == 4
    assert from_profile.timeout.total == 30
    explicit = build_connection(
        {
            "base_url": "https://flag.example/v1",
            "organization": None,  # a flag not given does not erase anything
            "retry": {"base_delay": 2},
        },
        config=config,
        environ=OPENAI_ENV,
    )
    assert explicit.base_url == "https://flag.example/v1"
    assert explicit.organization == "org-profile"
    assert explicit.retry.max_retries == 4 and explicit.retry.base_delay == 2


def test_named_profile_and_azure_environment(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, PROFILES))
    work = build_connection(profile="work", config=config, environ={**OPENAI_ENV, **AZURE_ENV})
    assert work.provider == "azure"
    assert work.endpoint == "https://work.openai.azure.com"
    assert work.api_version == "2024-10-21"  # the profile's, not OPENAI_API_VERSION
    assert work.azure_ad_token == "env-ad-token"  # from the azure variables only
    assert work.organization is None


def test_explicit_api_version_beats_everything(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, PROFILES))
    connection = build_connection(
        {"api_version": "2025-04-01-preview"}, profile="work", config=config, environ=AZURE_ENV
    )
    assert connection.api_version == "2025-04-01-preview"


def test_default_config_path_comes_from_the_environment(tmp_path: Path) -> None:
    path = write_config(tmp_path, PROFILES)
    config = load_config(environ={"OPENAI_CONNECTOR_CONFIG": str(path)})
    assert config.path == path
    assert config.default_connection == "main"


def test_missing_default_config_is_empty_but_a_named_one_is_an_error(tmp_path: Path) -> None:
    assert load_config().connections == {}  # conftest points the default at nothing
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "nope.toml" in str(caught.value)


def test_broken_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, "[connections.x\nprovider = "))
    assert "config.toml" in str(caught.value)
    with pytest.raises(ConfigError):
        load_config(write_config(tmp_path, 'connections = "x"'))


def test_secrets_section_feeds_the_secret_store(tmp_path: Path) -> None:
    (tmp_path / "s.env").write_text("MAIN_KEY=sk-file\n", encoding="utf-8")
    path = write_config(tmp_path, f'[secrets]\nfile = "{tmp_path / "s.env"}"\n' + PROFILES)
    store = load_config(path).secret_store(environ={})
    assert store.lookup("MAIN_KEY") == "sk-file"


@pytest.mark.parametrize(
    ("environ", "provider"),
    [
        ({}, "openai"),
        ({"OPENAI_API_KEY": "sk-x"}, "openai"),
        ({"AZURE_OPENAI_API_KEY": "k"}, "azure"),
        ({"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}, "azure"),
        ({"AZURE_OPENAI_AD_TOKEN": "t"}, "azure"),
        ({"AZURE_OPENAI_API_KEY": "k", "OPENAI_API_KEY": "sk-x"}, "openai"),
        ({"OPENAI_API_VERSION": "2024-10-21"}, "openai"),
    ],
)
def test_provider_guessing(environ: dict[str, str], provider: str) -> None:
    assert guess_provider(environ) == provider


def test_unknown_profile_lists_the_defined_ones(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, PROFILES))
    with pytest.raises(ConfigError) as caught:
        build_connection(profile="prod", config=config, environ={})
    text = str(caught.value)
    assert "'prod'" in text and "main" in text and "work" in text
    with pytest.raises(ConfigError) as caught:
        build_connection(profile="prod", config=ConfigFile(), environ={})
    assert "none" in str(caught.value)


# ------------------------------------------------------------------- refusals


def test_plain_text_key_in_config_warns(tmp_path: Path) -> None:
    text = '[connections.p]\nprovider = "openai"\napi_key = "sk-plain-in-file"\n'
    with pytest.warns(ConnectorWarning, match="plain text") as record:
        config = load_config(write_config(tmp_path, text))
    assert "sk-plain-in-file" not in str(record[0].message)
    assert "secrets" in str(record[0].message)
    assert build_connection(profile="p", config=config, environ={}).api_key == "sk-plain-in-file"


def test_reference_in_config_does_not_warn(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_config(write_config(tmp_path, PROFILES))


@pytest.mark.parametrize(
    "version", ["2024-1-21", "latest", "2024-10-21-beta", "24-10-21", "2024-10-21preview", ""]
)
def test_malformed_api_version_is_refused(version: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_connection(
            {"provider": "azure", "endpoint": "https://r.openai.azure.com", "api_version": version},
            environ={},
        )
    assert "api_version" in str(caught.value)
    assert "2024-10-21" in str(caught.value)  # it shows what a version looks like


def test_malformed_api_version_from_the_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="api_version"):
        build_connection(environ={**AZURE_ENV, "OPENAI_API_VERSION": "v1"})


def test_compatible_without_base_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="base_url"):
        build_connection({"provider": "compatible"}, environ={})
    with pytest.raises(ConfigError, match="base_url"):
        Connector(provider="compatible")


def test_azure_without_endpoint_is_refused() -> None:
    with pytest.raises(ConfigError, match="endpoint"):
        build_connection({"provider": "azure", "api_key": "k"}, environ={})


def test_resource_name_makes_the_endpoint() -> None:
    connection = Connection(provider="azure", resource_name="myres")
    assert connection.azure_endpoint == "https://myres.openai.azure.com"


def test_unknown_setting_and_bad_url_are_refused() -> None:
    with pytest.raises(ConfigError, match="colour"):
        build_connection({"colour": "blue"}, environ={})
    with pytest.raises(ConfigError, match="base_url"):
        build_connection({"base_url": "ftp://x"}, environ={})


def test_openai_without_key_fails_at_call_time_saying_what_to_set() -> None:
    with (
        Connector(provider="openai") as connector,
        pytest.raises(ConfigError) as caught,
    ):
        connector.run("chat.create", {"model": "m", "prompt": "hi"})
    assert "OPENAI_API_KEY" in str(caught.value)


def test_a_keyless_server_behind_a_base_url_needs_no_key(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    with Connector(provider="openai", base_url=server.url + "/v1") as connector:
        assert connector.run("chat.create", CHAT).status == 200
    assert "authorization" not in server.requests[0].headers


# ------------------------------------------------------------------- key shapes


def test_sk_key_on_azure_warns_but_works(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    with (
        Connector(provider="azure", endpoint=server.url, api_key="sk-looks-openai") as connector,
        pytest.warns(ConnectorWarning, match="OpenAI key"),
    ):
        result = connector.run("chat.create", CHAT)
    assert result.status == 200
    assert server.requests[0].headers["api-key"] == "sk-looks-openai"


def test_hex_key_on_openai_warns_but_works(server: ScriptedServer) -> None:
    key = "0123456789abcdef0123456789ABCDEF"
    server.script(Reply(json=chat_body()))
    with (
        Connector(provider="openai", base_url=server.url + "/v1", api_key=key) as connector,
        pytest.warns(ConnectorWarning, match="Azure key") as record,
    ):
        assert connector.run("chat.create", CHAT).status == 200
    assert key not in str(record[0].message)
    assert server.requests[0].headers["authorization"] == f"Bearer {key}"


# ------------------------------------------------------------------------ Azure


def test_azure_url_and_api_key_header(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    with Connector(provider="azure", endpoint=server.url + "/", api_key="azure-key-1") as c:
        c.run("chat.create", CHAT)
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/my-deployment/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == "azure-key-1"
    assert "authorization" not in sent.headers
    assert "model" not in sent.json  # the deployment is in the path


def test_azure_deployment_name_is_url_encoded(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    with Connector(provider="azure", endpoint=server.url, api_key="azure-key-1") as c:
        c.run("chat.create", {"model": "a/b?c", "prompt": "hi"})
    sent = server.requests[0]
    # the server decodes the path: had "?" not been encoded, "c/chat/..." would be a query
    assert sent.path == "/openai/deployments/a/b?c/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}


def test_literal_entra_token_is_sent_as_bearer(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    with Connector(provider="azure", endpoint=server.url, azure_ad_token="eyJ.literal.token") as c:
        c.run("chat.create", CHAT)
    sent = server.requests[0]
    assert sent.headers["authorization"] == "Bearer eyJ.literal.token"
    assert "api-key" not in sent.headers


def test_azure_without_credentials_says_what_to_set(server: ScriptedServer) -> None:
    with (
        Connector(provider="azure", endpoint=server.url) as connector,
        pytest.raises(ConfigError) as caught,
    ):
        connector.run("chat.create", CHAT)
    assert "AZURE_OPENAI_API_KEY" in str(caught.value)
    assert server.requests == []


def token_command(tmp_path: Path, *, jwt_exp: float | None = None) -> str:
    """A command printing token-1, token-2, ... (a JWT with ``exp`` when asked)."""
    counter = tmp_path / "runs"
    script = tmp_path / "token.py"
    head = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
    payload = ""
    if jwt_exp is not None:
        payload = (
            base64.urlsafe_b64encode(json.dumps({"exp": jwt_exp}).encode()).decode().rstrip("=")
        )
    script.write_text(
        "import pathlib\n"
        f"p = pathlib.Path({str(counter)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        + (
            f"print('{head}.{payload}.sig' + str(n))\n"
            if jwt_exp is not None
            else "print(f'token-{n}')\n"
        ),
        encoding="utf-8",
    )
    return f"{sys.executable} {script}"


def runs(tmp_path: Path) -> int:
    counter = tmp_path / "runs"
    return int(counter.read_text()) if counter.exists() else 0


def test_token_command_runs_once_and_is_cached(server: ScriptedServer, tmp_path: Path) -> None:
    server.default = Reply(json=chat_body())
    with Connector(
        provider="azure", endpoint=server.url, azure_ad_token_command=token_command(tmp_path)
    ) as connector:
        for _ in range(3):
            connector.run("chat.create", CHAT)
        assert connector.redactor("token-1") == "***"
    assert runs(tmp_path) == 1
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer token-1"}


def test_token_command_is_run_again_after_a_401(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(
        Reply(401, json={"error": {"code": "401", "message": "token expired"}}),
        Reply(json=chat_body("fresh")),
    )
    with Connector(
        provider="azure", endpoint=server.url, azure_ad_token_command=token_command(tmp_path)
    ) as connector:
        result = connector.run("chat.create", CHAT)
    assert result.text == "fresh"
    assert result.attempts == 2
    assert [r.headers["authorization"] for r in server.requests] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


def test_token_command_after_a_401_on_the_async_face(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(401, json={"error": {"message": "expired"}}), Reply(json=chat_body()))

    async def go() -> int:
        async with AsyncConnector(
            provider="azure", endpoint=server.url, azure_ad_token_command=token_command(tmp_path)
        ) as connector:
            return (await connector.run("chat.create", CHAT)).attempts

    assert asyncio.run(go()) == 2
    assert server.requests[1].headers["authorization"] == "Bearer token-2"


def test_a_second_401_is_an_error(server: ScriptedServer, tmp_path: Path) -> None:
    from openai_connector import AuthenticationFailed

    server.default = Reply(401, json={"error": {"message": "no access"}})
    with (
        Connector(
            provider="azure", endpoint=server.url, azure_ad_token_command=token_command(tmp_path)
        ) as connector,
        pytest.raises(AuthenticationFailed),
    ):
        connector.run("chat.create", CHAT)
    assert len(server.requests) == 2
    assert runs(tmp_path) == 2


def test_token_command_re_runs_after_expiry(tmp_path: Path) -> None:
    now = [1000.0]
    command = EntraTokenCommand(token_command(tmp_path), ttl=600, clock=lambda: now[0])
    assert command.token() == "token-1"
    now[0] += 300
    assert command.token() == "token-1"
    now[0] += 250  # within a minute of expiry: refreshed early
    assert command.token() == "token-2"
    command.invalidate()
    assert command.token() == "token-3"
    assert runs(tmp_path) == 3


def test_token_command_uses_the_jwt_expiry(tmp_path: Path) -> None:
    now = [5000.0]
    command = EntraTokenCommand(
        token_command(tmp_path, jwt_exp=5000 + 3600), ttl=10, clock=lambda: now[0]
    )
    first = command.token()
    assert jwt_expiry(first) == 8600
    now[0] += 1000  # past the ttl, but the token says it is good for an hour
    assert command.token() == first
    now[0] += 2600
    assert command.token() != first


def test_an_expired_jwt_is_fetched_again_for_every_call(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.default = Reply(json=chat_body())
    command = token_command(tmp_path, jwt_exp=1)  # expired long ago
    with Connector(provider="azure", endpoint=server.url, azure_ad_token_command=command) as c:
        c.run("chat.create", CHAT)
        c.run("chat.create", CHAT)
    assert runs(tmp_path) == 2


def test_failing_token_command_is_a_config_error(server: ScriptedServer) -> None:
    failing = f'{sys.executable} -c "import sys; sys.exit(3)"'
    with (
        Connector(provider="azure", endpoint=server.url, azure_ad_token_command=failing) as c,
        pytest.raises(ConfigError) as caught,
    ):
        c.run("chat.create", CHAT)
    assert "exited with 3" in str(caught.value)
    with (
        Connector(
            provider="azure", endpoint=server.url, azure_ad_token_command="/no/such/command"
        ) as c,
        pytest.raises(ConfigError, match="could not run"),
    ):
        c.run("chat.create", CHAT)
    assert server.requests == []


def test_feature_needing_a_newer_api_version_sends_nothing(server: ScriptedServer) -> None:
    with (
        Connector(provider="azure", endpoint=server.url, api_key="azure-key-1") as connector,
        pytest.raises(UnsupportedOperation) as caught,
    ):
        connector.run("chat.create", {**CHAT, "reasoning_effort": "low"})
    text = str(caught.value)
    assert "reasoning_effort" in text and "2024-12-01-preview" in text and "2024-10-21" in text
    assert server.requests == []


def test_feature_is_sent_with_a_new_enough_api_version(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    with Connector(
        provider="azure",
        endpoint=server.url,
        api_key="azure-key-1",
        api_version="2025-04-01-preview",
    ) as connector:
        connector.run("chat.create", {**CHAT, "reasoning_effort": "low"})
    assert server.requests[0].json["reasoning_effort"] == "low"
    assert server.requests[0].query == {"api-version": "2025-04-01-preview"}


def test_api_version_order() -> None:
    assert version_at_least("2024-12-01-preview", "2024-12-01-preview")
    assert version_at_least("2024-12-01", "2024-12-01-preview")
    assert not version_at_least("2024-12-01-preview", "2024-12-01")
    assert not version_at_least("2024-10-21", "2024-12-01-preview")
    assert version_at_least("2025-01-01-preview", "2024-12-01-preview")


def test_deployment_not_found_hints_at_deployment_vs_model(server: ScriptedServer) -> None:
    body = {
        "error": {
            "code": "DeploymentNotFound",
            "message": "The API deployment for this resource does not exist.",
        }
    }
    server.script(Reply(404, json=body))
    with (
        Connector(provider="azure", endpoint=server.url, api_key="azure-key-1") as connector,
        pytest.raises(NotFound) as caught,
    ):
        connector.run("chat.create", {"model": "gpt-4o", "prompt": "hi"})
    error = caught.value
    assert error.code == "not_found"
    assert error.hint is not None and "deployment" in error.hint and "model" in error.hint
    assert error.result.body == body


def test_unsupported_api_version_error_from_azure_gets_a_hint(server: ScriptedServer) -> None:
    body = {"error": {"code": "BadRequest", "message": "API version not supported"}}
    server.script(Reply(400, json=body))
    with (
        Connector(provider="azure", endpoint=server.url, api_key="azure-key-1") as connector,
        pytest.raises(BadRequest) as caught,
    ):
        connector.run("chat.create", CHAT)
    assert caught.value.hint is not None and "api_version" in caught.value.hint


def test_moderation_on_azure_is_refused_before_sending(server: ScriptedServer) -> None:
    with (
        Connector(provider="azure", endpoint=server.url, api_key="azure-key-1") as connector,
        pytest.raises(UnsupportedOperation) as caught,
    ):
        connector.run("moderation.create", {"input": "hello"})
    assert "Azure" in str(caught.value)
    assert server.requests == []


# ------------------------------------------------------------------ TLS, proxy


@pytest.mark.parametrize("face", ["sync", "async"])
def test_missing_ca_bundle_is_a_config_error(tmp_path: Path, face: str) -> None:
    fields: dict[str, Any] = {
        "provider": "compatible",
        "base_url": "https://127.0.0.1:9/v1",
        "api_key": "sk-test1234",
        "network": {"verify": str(tmp_path / "missing-ca.pem")},
    }
    with pytest.raises(ConfigError) as caught:
        if face == "sync":
            with Connector(**fields) as connector:
                connector.run("chat.create", CHAT)
        else:

            async def go() -> None:
                async with AsyncConnector(**fields) as connector:
                    await connector.run("chat.create", CHAT)

            asyncio.run(go())
    assert "network.verify" in str(caught.value)


def test_missing_client_certificate_is_a_config_error(tmp_path: Path) -> None:
    with (
        Connector(
            provider="compatible",
            base_url="https://127.0.0.1:9/v1",
            api_key="sk-test1234",
            network={"client_cert": str(tmp_path / "cert.pem")},
        ) as connector,
        pytest.raises(ConfigError, match="client_cert"),
    ):
        connector.run("chat.create", CHAT)


@pytest.mark.parametrize("face", ["sync", "async"])
def test_requests_go_through_the_proxy(server: ScriptedServer, face: str) -> None:
    server.default = Reply(json=chat_body("via proxy"))
    fields: dict[str, Any] = {
        "provider": "compatible",
        "base_url": "http://api.invalid.example/v1",
        "api_key": "sk-test1234",
        "network": {"proxy": server.url},
    }
    if face == "sync":
        with Connector(**fields) as connector:
            result = connector.run("chat.create", CHAT)
    else:

        async def go() -> Any:
            async with AsyncConnector(**fields) as connector:
                return await connector.run("chat.create", CHAT)

        result = asyncio.run(go())
    assert result.text == "via proxy"
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["host"] == "api.invalid.example"


def test_secret_store_given_to_the_connector_is_used(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    with Connector(
        provider="compatible",
        base_url=server.url + "/v1",
        api_key="{{secrets.K}}",
        secrets=SecretStore(environ={"K": "sk-from-store"}),
    ) as connector:
        connector.run("chat.create", CHAT)
    assert server.requests[0].headers["authorization"] == "Bearer sk-from-store"


@pytest.mark.parametrize("face", ["sync", "async"])
def test_proxy_may_be_a_secret_and_its_password_is_redacted(
    server: ScriptedServer, face: str
) -> None:
    server.default = Reply(json=chat_body("via proxy"))
    proxy = server.url.replace("http://", "http://proxyuser:proxy-pass-777@")
    fields: dict[str, Any] = {
        "provider": "compatible",
        "base_url": "http://api.invalid.example/v1",
        "api_key": "sk-test1234",
        "network": {"proxy": "{{secrets.PROXY_URL}}"},
        "secrets": SecretStore(environ={"PROXY_URL": proxy}),
    }
    if face == "sync":
        with Connector(**fields) as connector:
            result = connector.run("chat.create", CHAT)
            redacted = connector.redactor(f"proxy {proxy}")
    else:

        async def go() -> tuple[Any, str]:
            async with AsyncConnector(**fields) as connector:
                found = await connector.run("chat.create", CHAT)
                return found, connector.redactor(f"proxy {proxy}")

        result, redacted = asyncio.run(go())
    assert result.text == "via proxy"
    assert server.requests[0].headers["host"] == "api.invalid.example"
    expected = base64.b64encode(b"proxyuser:proxy-pass-777").decode()
    assert server.requests[0].headers["proxy-authorization"] == f"Basic {expected}"
    assert "proxy-pass-777" not in redacted


def test_literal_proxy_password_is_masked_when_the_connection_is_shown() -> None:
    connection = Connection(network={"proxy": "http://me:hunter22@proxy.local:3128"})
    assert "hunter22" not in repr(connection)
    assert "hunter22" not in json.dumps(connection.public())
    assert connection.public()["network"]["proxy"] == "http://me:***@proxy.local:3128"

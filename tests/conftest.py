from __future__ import annotations

from collections.abc import Iterator

import pytest

from faces import Face
from scripted_server import ScriptedServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="tests/console: write the README's screenshots of the console into DIR",
    )


@pytest.fixture(scope="session")
def _server() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    yield server
    server.stop()


@pytest.fixture
def server(_server: ScriptedServer) -> Iterator[ScriptedServer]:
    """The scripted local server, with a clean script and log for each test."""
    _server.reset_state()
    yield _server
    _server.reset_state()


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Tests never pick up the developer's own keys, config file or proxies (the tests'
    servers are on 127.0.0.1: a proxy from the environment would stand between)."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
        "AZURE_OPENAI_AD_TOKEN",
        "OPENAI_CONNECTOR_DEFAULT_MODEL",
        *("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"),
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_CONNECTOR_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture(params=["sync", "async"])
def face(request: pytest.FixtureRequest) -> Face:
    """The sync and the async connector: a test taking it runs once for each."""
    return Face(request.param)

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faces import Face
from postgres_cluster import PostgresCluster, running_cluster
from scripted_server import ScriptedServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="tests/console: write the README's screenshots of the console into DIR",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``database``: SQLite only, unless the test or its module is marked
    ``@pytest.mark.databases("sqlite", "postgresql")``."""
    if "database" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("databases")
        if marker is not None:
            metafunc.parametrize("database", marker.args, indirect=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster on 127.0.0.1, for the whole session."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """An empty PostgreSQL database of its own: its SQLAlchemy URL."""
    url = postgres_cluster.new_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str | None:
    """The database a store test runs on: None for SQLite in the test's data directory, or
    the URL of an empty PostgreSQL database (see ``pytest_generate_tests``)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        return None
    assert kind == "postgresql", kind
    url: str = request.getfixturevalue("postgres_url")
    return url


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

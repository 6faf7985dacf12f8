"""The tests' throwaway PostgreSQL cluster: found where Debian installs it; without it the
PostgreSQL tests fail under CI (saying how to install it) and are skipped elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from postgres_cluster import INSTALL_HINT, PostgresCluster, find_binaries, running_cluster


def _install(root: Path, version: str) -> Path:
    folder = root / version / "bin"
    folder.mkdir(parents=True)
    for name in ("initdb", "postgres"):
        (folder / name).write_text("#!/bin/sh\n")
    return folder


def test_the_newest_installed_version_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_CONNECTOR_PG_BIN", raising=False)
    _install(tmp_path, "9.6")
    newest = _install(tmp_path, "15")
    _install(tmp_path, "13")
    (tmp_path / "16" / "bin").mkdir(parents=True)  # a client-only package: no server
    assert find_binaries(tmp_path) == newest


@pytest.mark.parametrize("ci", ["true", "1"])
def test_missing_binaries_fail_under_ci_saying_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.delenv("OPENAI_CONNECTOR_PG_BIN", raising=False)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as caught, running_cluster(tmp_path):
        pass
    assert str(caught.value) == INSTALL_HINT
    assert "apt-get install postgresql" in INSTALL_HINT


@pytest.mark.parametrize("ci", [None, "false"])
def test_missing_binaries_skip_on_a_developers_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    monkeypatch.delenv("OPENAI_CONNECTOR_PG_BIN", raising=False)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    skipped = pytest.raises(pytest.skip.Exception, match="apt-get install postgresql")
    with skipped, running_cluster(tmp_path):
        pass


def test_the_cluster_listens_on_loopback_and_gives_each_test_its_own_database(
    postgres_cluster: PostgresCluster,
) -> None:
    import psycopg

    first, second = postgres_cluster.new_database(), postgres_cluster.new_database()
    try:
        assert first != second
        assert "@127.0.0.1:" in first
        dsn = first.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as connection:
            address = connection.execute("SELECT inet_server_addr()::text").fetchone()
        assert address is not None and address[0].startswith("127.0.0.1")
    finally:
        postgres_cluster.drop_database(first)
        postgres_cluster.drop_database(second)

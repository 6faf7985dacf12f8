"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, ``postgres``
listening on 127.0.0.1 on a free port, one fresh database per test, all removed at the end.

Debian's ``postgresql`` package provides the binaries (under /usr/lib/postgresql/*/bin;
``.ci/run`` installs it). initdb refuses to run as root: as root the cluster runs as the
``postgres`` system user. Without the binaries the PostgreSQL tests are skipped on a
developer's machine and fail (saying how to install them) when ``CI=true``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

INSTALL_HINT = (
    "the PostgreSQL tests need Debian's postgresql server binaries "
    "(/usr/lib/postgresql/*/bin/initdb and postgres): apt-get install postgresql (as root; "
    ".ci/run installs it), or set OPENAI_CONNECTOR_PG_BIN to a folder holding them"
)
DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"
"""The unprivileged user the cluster runs as when the tests run as root."""


def find_binaries(root: Path = DEBIAN_BINARIES) -> Path | None:
    """The folder of ``initdb`` and ``postgres``: $OPENAI_CONNECTOR_PG_BIN, else the newest
    version installed under ``root`` (Debian's layout: root/15/bin)."""
    given = os.environ.get("OPENAI_CONNECTOR_PG_BIN")
    candidates = [Path(given)] if given else []
    installed = root.glob("*/bin")
    candidates += sorted(installed, key=lambda p: _version(p.parent.name), reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    return None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def unavailable(reason: str) -> None:
    """Fail under CI (the machine must have PostgreSQL), skip on a developer's machine."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresCluster:
    """A running throwaway cluster; ``new_database()`` makes an empty database on it."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="openai-connector-pg-"))
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._names = itertools.count(1)
        self._user: str | None = SERVER_USER if os.geteuid() == 0 else None

    @property
    def role(self) -> str:
        return self._user or pwd.getpwuid(os.geteuid()).pw_name

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.role}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresCluster:
        data = self.folder / "data"
        if self._user is not None:
            os.chmod(self.folder, 0o700)
            shutil.chown(self.folder, self._user, self._user)
        self._run(
            [str(self.binaries / "initdb"), "-D", str(data), "-A", "trust", "-E", "UTF8"],
            "--no-sync",
            "-U",
            self.role,
        )
        self._log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - closed in stop()
        for _attempt in range(5):
            self.port = free_port()
            self._process = subprocess.Popen(
                [
                    str(self.binaries / "postgres"),
                    *("-D", str(data), "-k", str(self.folder), "-h", "127.0.0.1"),
                    *("-p", str(self.port)),
                    # Throwaway data: no durability needed, start and run fast.
                    *("-c", "fsync=off", "-c", "synchronous_commit=off"),
                    *("-c", "full_page_writes=off", "-c", "max_connections=200"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                user=self._user,
            )
            if self._wait_ready():
                return self
            self._stop_process()
        log = (self.folder / "server.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{log}")

    def _run(self, command: list[str], *extra: str) -> None:
        done = subprocess.run(
            [*command, *extra], capture_output=True, text=True, user=self._user, check=False
        )
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}")

    def _wait_ready(self) -> bool:
        import psycopg

        deadline = time.monotonic() + 30
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with psycopg.connect(self._dsn("postgres"), connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                time.sleep(0.1)
        return False

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.role} dbname={database}"

    def new_database(self) -> str:
        """An empty database on the cluster: its SQLAlchemy URL."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _stop_process(self) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGINT)  # fast shutdown
        try:
            self._process.wait(20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._process = None

    def stop(self) -> None:
        self._stop_process()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running_cluster(root: Path = DEBIAN_BINARIES) -> Iterator[PostgresCluster]:
    """A started cluster, stopped and removed afterwards; skipped/failed when unavailable."""
    binaries = find_binaries(root)
    if binaries is None:
        unavailable(INSTALL_HINT)
    assert binaries is not None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("the PostgreSQL tests need psycopg: pip install -e '.[test]'")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            unavailable(
                f"as root the test cluster runs as the {SERVER_USER!r} user, which does not "
                "exist: apt-get install postgresql makes it"
            )
    cluster = PostgresCluster(binaries).start()
    try:
        yield cluster
    finally:
        cluster.stop()

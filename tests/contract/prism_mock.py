"""Finding the shared specs and the Prism binary, and running one Prism mock server.

Where things are looked up (the contract tests fail, never skip, when one is missing):

- shared directory: ``$OPENAI_CONNECTOR_SHARED``, else ``<repo>/../shared``;
- Prism: ``$PRISM_BIN``, else ``<repo>/.ci/prism/node_modules/.bin/prism`` (where
  ``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRISM_VERSION = "5.16.0"
PRISM_DIR = REPO / ".ci" / "prism"
INSTALL_HINT = (
    f"install it with: npm install --no-fund --no-audit --prefix {PRISM_DIR} "
    f"@stoplight/prism-cli@{PRISM_VERSION} (bash .ci/run does this), or set PRISM_BIN"
)
READY_LINE = "Prism is listening"
OPENAI_KEY = "sk-contract-test"
AZURE_KEY = "0123456789abcdef0123456789abcdef"  # the shape of an Azure key: no warning
START_TIMEOUT = 100.0  # seconds; ~15 on an idle 2-core machine, far more under load


class ContractSetupError(Exception):
    """Something the contract tests need is missing; the message says what to do."""


def shared_dir() -> Path:
    configured = os.environ.get("OPENAI_CONNECTOR_SHARED")
    path = Path(configured) if configured else REPO.parent / "shared"
    if not path.is_dir():
        how = "$OPENAI_CONNECTOR_SHARED" if configured else "the default <repo>/../shared"
        raise ContractSetupError(
            f"shared directory {path} (from {how}) does not exist: the contract tests need "
            "its specs/ and tools/; set OPENAI_CONNECTOR_SHARED to the shared directory"
        )
    return path


def shared_file(relative: str) -> Path:
    path = shared_dir() / relative
    if not path.is_file():
        raise ContractSetupError(
            f"{path} is missing: the contract tests need it (shared directory incomplete?)"
        )
    return path


def prism_binary() -> Path:
    configured = os.environ.get("PRISM_BIN")
    path = Path(configured) if configured else PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not (path.is_file() and os.access(path, os.X_OK)):
        source = "$PRISM_BIN" if configured else "the default location"
        raise ContractSetupError(f"no Prism executable at {path} ({source}); {INSTALL_HINT}")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrismServer:
    """``prism mock`` serving one spec on 127.0.0.1; its output goes to a log file."""

    def __init__(self, binary: Path, spec: Path, log: Path) -> None:
        self.binary = binary
        self.spec = spec
        self.log = log
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PrismServer:
        for _ in range(3):  # the free port may be taken before Prism binds it: try another
            if self._launch() or "EADDRINUSE" not in self.output():
                break
        if self._process is None:
            raise ContractSetupError(
                f"Prism did not start on {self.spec.name} within {START_TIMEOUT:g} s; "
                f"its output ends with:\n{self.output()[-3000:]}"
            )
        return self

    def _launch(self) -> bool:
        self.port = free_port()
        with self.log.open("wb") as out:
            self._process = subprocess.Popen(
                [str(self.binary), "mock", "-h", "127.0.0.1", "-p", str(self.port), str(self.spec)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends all of it
            )
        deadline = time.monotonic() + START_TIMEOUT
        while READY_LINE not in self.output():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                return False
            time.sleep(0.1)
        return True

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def requests_received(self) -> int:
        """How many HTTP requests Prism has logged so far."""
        return self.output().count("Request received")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

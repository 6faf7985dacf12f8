"""Start a private nginx on 127.0.0.1 that serves the benchmark fixtures, and stop it.

Everything (config, pid file, logs, temp dirs, documents) lives in one temporary
directory, so no root rights or system paths are needed; nginx runs in the foreground
(``daemon off``) as a child process with one worker, leaving the other core to the client.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from string import Template

from fixtures import write_fixtures

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
INSTALL_HINT = (
    "nginx is needed for the benchmarks (a static server fast enough not to be measured).\n"
    "Install it, e.g. on Debian/Ubuntu: sudo apt-get install nginx-light (or nginx);\n"
    "on macOS: brew install nginx. Or point NGINX=/path/to/nginx at a binary."
)


class NginxMissing(RuntimeError):
    pass


def find_nginx() -> str:
    candidates = [os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise NginxMissing(INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalNginx:
    """``with LocalNginx() as server:`` then ``server.json_base`` / ``server.stream_base``."""

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or find_nginx()
        self.port = 0
        self.dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def json_base(self) -> str:
        """An OpenAI-style base URL whose /chat/completions answers a chat.completion body."""
        return f"{self.origin}/json/v1"

    @property
    def stream_base(self) -> str:
        """A base URL whose /chat/completions answers the 500-chunk event stream."""
        return f"{self.origin}/stream/v1"

    def version(self) -> str:
        done = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")

    def start(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="oc-bench-nginx-"))
        self.dir.chmod(0o755)  # the worker may run as another user when started by root
        (self.dir / "tmp").mkdir()
        write_fixtures(self.dir / "www")
        for path in self.dir.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        self.port = free_port()
        config = Template(TEMPLATE.read_text()).substitute(dir=self.dir, port=self.port)
        conf = self.dir / "nginx.conf"
        conf.write_text(config)
        self._process = subprocess.Popen(
            [self.binary, "-p", str(self.dir), "-e", str(self.dir / "error.log"), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"nginx exited at start:\n{error}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nginx did not start listening within 10 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr is not None:
                self._process.stderr.close()
            self._process = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> LocalNginx:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

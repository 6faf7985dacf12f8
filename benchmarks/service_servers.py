"""The servers ``service.py`` measures, each a child process on 127.0.0.1 with its own port:

- ``ServiceServer``: ``openai-connector serve`` (one process) on a fresh temporary data dir
  (the default SQLite store, usage logging on), with one ``compatible`` connector pointed at
  the local nginx and an operator key whose default connector it is;
- ``LiteLLMProxy``: LiteLLM's proxy (1 worker, a master key, no database) with one model
  pointed at the same nginx, run from its own virtual environment (``litellm[proxy]`` pins
  packages of its own; they never go into the project's environment).

``cpu_seconds(pid)`` is the user + system CPU time of a process and its descendants, read
from /proc (Linux), so that a shared machine's load does not count.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from fixtures import MODEL
from local_nginx import free_port

LITELLM_VENV = Path.home() / ".cache" / "openai-connector" / "bench-litellm-proxy"
LITELLM_MASTER_KEY = "sk-bench-master-key"
PROVIDER_KEY = "sk-bench-provider-key"
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, children that exited included) of ``pid`` and every live
    descendant; 0.0 where /proc is missing."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after "(comm)": state ppid ... utime(12) stime(13) cutime(14) cstime(15)
        total += sum(int(v) for v in fields[11:15]) / _TICKS
        pending.extend(_children(current))
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(v) for v in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _request(url: str, key: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _wait_http(url: str, process: subprocess.Popen[Any], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{url}: the server exited at start:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url}: not answering after {seconds:g} s (log: {log})")


class _Child:
    process: subprocess.Popen[bytes] | None = None
    dir: Path | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


class ServiceServer(_Child):
    """``openai-connector serve`` with a connector named ``bench`` on ``base_url``."""

    def __init__(self, base_url: str, command: str | None = None) -> None:
        self.base_url = base_url
        self.command = command or str(Path(sys.executable).with_name("openai-connector"))
        self.port = 0
        self.key = ""
        self.connector_id = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="oc-bench-service-"))
        self.port = free_port()
        log = self.dir / "service.log"
        args = [self.command, "serve", "--port", str(self.port), "--data-dir", str(self.dir)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        _wait_http(f"{self.origin}/healthz", self.process, 60, log)
        admin = ""
        for line in log.read_text().splitlines():
            if line.startswith("admin key"):
                admin = line.rsplit(" ", 1)[1]
        if not admin:
            raise RuntimeError(f"no admin key printed by {' '.join(args)}")
        made = _request(
            f"{self.origin}/api/connectors",
            admin,
            {
                "name": "bench",
                "provider": "compatible",
                "config": {"base_url": self.base_url, "default_model": MODEL},
                "secrets": {"api_key": PROVIDER_KEY},
            },
        )
        self.connector_id = made["id"]
        key = {"name": "bench-operator", "role": "operator", "default_connector": "bench"}
        self.key = _request(f"{self.origin}/api/keys", admin, key)["key"]


class LiteLLMProxy(_Child):
    """LiteLLM's proxy: 1 worker, a master key, no database, ``MODEL`` on ``base_url``."""

    def __init__(self, base_url: str, venv: Path = LITELLM_VENV) -> None:
        self.base_url = base_url
        self.venv = venv
        self.port = 0
        self.key = LITELLM_MASTER_KEY

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def binary(self) -> Path:
        return self.venv / "bin" / "litellm"

    def ensure_installed(self) -> None:
        """Make the proxy's own environment when it is missing (once; a few minutes)."""
        if self.binary.exists():
            return
        print(f"# making LiteLLM's proxy environment in {self.venv} (once)", file=sys.stderr)
        self.venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        pip = [str(self.venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "litellm[proxy]"], check=True)

    def version(self) -> str:
        python = self.venv / "bin" / "python"
        code = "import importlib.metadata as m; print(m.version('litellm'))"
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
        return done.stdout.strip() or "unknown"

    def start(self) -> None:
        self.ensure_installed()
        self.dir = Path(tempfile.mkdtemp(prefix="oc-bench-litellm-"))
        self.port = free_port()
        config = self.dir / "config.yaml"
        config.write_text(
            "model_list:\n"
            f"  - model_name: {MODEL}\n"
            "    litellm_params:\n"
            f"      model: openai/{MODEL}\n"
            f"      api_base: {self.base_url}\n"
            f"      api_key: {PROVIDER_KEY}\n"
            "general_settings:\n"
            f"  master_key: {LITELLM_MASTER_KEY}\n"
            "litellm_settings:\n"
            "  telemetry: false\n"
        )
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("OPENAI_", "LITELLM_", "DATABASE_URL"))
        }
        env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOG="ERROR", NO_DOCS="True")
        args = [str(self.binary), "--config", str(config), "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--num_workers", "1"]
        log = self.dir / "litellm.log"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.dir
            )
        _wait_http(f"{self.origin}/health/liveliness", self.process, 180, log)

"""The service's cost per call next to calling nginx directly and next to LiteLLM's proxy.

Starts a private nginx on 127.0.0.1 (one worker, a static chat completion), then, in the
same run, as child processes: ``openai-connector serve`` (one process, the default SQLite
store in a temporary data dir, usage logging on, one connector pointed at nginx) and
LiteLLM's proxy (1 worker, a master key, no database, one model pointed at nginx; from its
own virtual environment, made on first use). A lean load generator in its own process
(service_load.py: aiohttp, N coroutines calling in a loop for a fixed time, the same for
every contender) sends a chat to each contender:

- nginx direct (the baseline): POST /json/v1/chat/completions
- the run API: POST /api/connectors/{id}/execute {"operation": "chat.create", ...}
- the gateway: POST /v1/chat/completions (the key's default connector)
- LiteLLM's proxy: POST /v1/chat/completions with its master key

at 1 and at 64 calls in flight, in interleaved rounds of a fixed time (each round runs every
contender once, in a rotating order). It prints every round's throughput, each contender's
median throughput (calls/s), p50 and p99 latency (ms, medians of the rounds), the server's
CPU time per call (ms: the contender's processes, from /proc; robust on a shared machine)
and the added p50 at 1 in flight over nginx direct; then the targets of issue 9 as
PASS/FAIL. Exit status: 0 when every target passes, 1 when one fails or is not measured,
2 without nginx.

    python benchmarks/service.py                     # after: pip install -e '.[test,bench]'
    python benchmarks/service.py --quick             # rough figures in about a minute
    python benchmarks/service.py --no-litellm        # our service only
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import ANSWER, MODEL
from local_nginx import LocalNginx, NginxMissing
from service_servers import LITELLM_VENV, LiteLLMProxy, ServiceServer, cpu_seconds

NGINX = "nginx direct (baseline)"
EXECUTE = "openai-connector execute API"
GATEWAY = "openai-connector /v1 gateway"
LITELLM = "LiteLLM proxy"
MESSAGES = [{"role": "user", "content": "Say hello"}]


@dataclass
class Contender:
    name: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    pid: int
    """The process (with its descendants) whose CPU time a call costs."""
    rounds: dict[int, list[dict[str, float]]] = field(default_factory=dict)
    first_error: str = ""
    """Per concurrency: one entry per round (calls_s, p50, p99, cpu_ms, errors)."""
    error: str | None = None

    def median(self, workers: int, what: str) -> float | None:
        values = [r[what] for r in self.rounds.get(workers, [])]
        return statistics.median(values) if values else None


class LoadGenerator:
    """service_load.py as a child process: one command line in, one JSON line out."""

    def __init__(self) -> None:
        script = Path(__file__).with_name("service_load.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, contender: Contender, workers: int, seconds: float) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        command = {
            "url": contender.url,
            "headers": contender.headers,
            "body": contender.body,
            "workers": workers,
            "seconds": seconds,
            "expect": ANSWER,
        }
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def one_round(load: LoadGenerator, contender: Contender, workers: int, seconds: float) -> None:
    before = cpu_seconds(contender.pid)
    outcome = load.run(contender, workers, seconds)
    spent = cpu_seconds(contender.pid) - before
    calls = outcome["calls"]
    if outcome["errors"] and not calls:
        contender.error = f"failed: {outcome['first_error'][:120]}"
        return
    contender.first_error = contender.first_error or outcome["first_error"]
    latencies = outcome["latencies_ms"]
    contender.rounds.setdefault(workers, []).append(
        {
            "calls_s": calls / outcome["elapsed"],
            "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99),
            "cpu_ms": spent * 1000.0 / calls,
            "errors": outcome["errors"],
        }
    )


def measure(
    load: LoadGenerator, contenders: list[Contender], workers: int, args: argparse.Namespace
) -> None:
    print(f"# {workers} in flight: warming up", file=sys.stderr, flush=True)
    for contender in contenders:
        load.run(contender, workers, args.warm)
    for number in range(args.repeats):
        print(f"# {workers} in flight: round {number + 1}/{args.repeats}", file=sys.stderr)
        shift = number % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            if contender.error is None:
                one_round(load, contender, workers, args.seconds)


def table(contenders: list[Contender], workers: int) -> str:
    width = max(len(c.name) for c in contenders) + 2
    head = (
        f"  {'contender':<{width}} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms/call':>11} {'added p50':>10}  calls/s of every round, in order"
    )
    lines = [f"{workers} call(s) in flight (medians of the rounds)", head, "  " + "-" * len(head)]
    base = next((c.median(workers, "p50") for c in contenders if c.name == NGINX), None)
    for contender in contenders:
        if contender.error is not None:
            lines.append(f"  {contender.name:<{width}} {'-':>9}  {contender.error}")
            continue
        p50 = contender.median(workers, "p50")
        added = "" if base is None or p50 is None or contender.name == NGINX else p50 - base
        rounds = contender.rounds.get(workers, [])
        every = " ".join(f"{r['calls_s']:,.0f}" for r in rounds)
        errors = sum(r["errors"] for r in rounds)
        note = (
            f"  ({errors:.0f} failed calls; first: {contender.first_error[:80]})" if errors else ""
        )
        lines.append(
            f"  {contender.name:<{width}} {contender.median(workers, 'calls_s') or 0:>9,.0f} "
            f"{p50 or 0:>8.2f} {contender.median(workers, 'p99') or 0:>8.2f} "
            f"{contender.median(workers, 'cpu_ms') or 0:>11.3f} "
            f"{added if isinstance(added, str) else f'{added:+.2f}':>10}  {every}{note}"
        )
    return "\n".join([*lines, ""])


def targets(by_name: dict[str, Contender], high: int) -> list[tuple[str, bool | None, str]]:
    checks: list[tuple[str, bool | None, str]] = []
    gateway, litellm = by_name.get(GATEWAY), by_name.get(LITELLM)
    ours = gateway.median(high, "calls_s") if gateway else None
    theirs = litellm.median(high, "calls_s") if litellm else None
    text = f"gateway throughput >= 10x LiteLLM proxy at {high} in flight"
    if ours is None or theirs is None:
        checks.append((text, None, "not measured"))
    else:
        cpu = ""
        if gateway and litellm:
            mine, other = gateway.median(high, "cpu_ms"), litellm.median(high, "cpu_ms")
            if mine and other:
                cpu = f" (CPU per call: {other / mine:.1f}x less)"
        checks.append((text, ours >= 10 * theirs, f"{ours / theirs:.1f}x{cpu}"))
    nginx = by_name.get(NGINX)
    base = nginx.median(1, "p50") if nginx else None
    for name in (EXECUTE, GATEWAY):
        contender = by_name.get(name)
        p50 = contender.median(1, "p50") if contender else None
        text = f"{name.removeprefix('openai-connector ')}: added p50 at 1 in flight <= 2 ms"
        if base is None or p50 is None:
            checks.append((text, None, "not measured"))
        else:
            checks.append((text, p50 - base <= 2.0, f"{p50 - base:+.2f} ms"))
    return checks


def header(server: LocalNginx, litellm: LiteLLMProxy | None, args: argparse.Namespace) -> str:
    versions = []
    for package in ("openai-connector", "fastapi", "uvicorn", "aiohttp", "sqlalchemy"):
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    if litellm is not None:
        versions.append(f"litellm {litellm.version()} (proxy, in {litellm.venv})")
    import openai_connector

    return "\n".join(
        [
            "openai-connector service benchmark",
            f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()} ({sys.executable})",
            f"code: {Path(openai_connector.__file__).parent}",
            f"upstream: nginx {server.version()} (1 worker) on 127.0.0.1; client: "
            "service_load.py (aiohttp, its own process)",
            "packages: " + ", ".join(versions),
            f"settings: {args.repeats} interleaved rounds of {args.seconds:g} s per contender "
            f"and concurrency (after {args.warm:g} s of warm-up); figures are medians of the "
            "rounds; CPU ms/call: the contender's server processes (for nginx direct, nginx)",
            "",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds per contender")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per round")
    parser.add_argument("--warm", type=float, default=1.0, help="seconds of warm-up each")
    parser.add_argument("--workers", type=int, default=64, help="calls in flight (high load)")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 1 s")
    parser.add_argument("--no-litellm", action="store_true", help="leave LiteLLM's proxy out")
    parser.add_argument(
        "--litellm-venv",
        type=Path,
        default=LITELLM_VENV,
        help="LiteLLM proxy's own virtual environment (made with litellm[proxy] if missing)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.seconds, args.warm = 3, 1.0, 0.5
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        nginx = LocalNginx()
    except NginxMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    service = ServiceServer("")
    litellm = None if args.no_litellm else LiteLLMProxy("", args.litellm_venv)
    load: LoadGenerator | None = None
    contenders: list[Contender] = []
    chat = {"model": MODEL, "messages": MESSAGES}
    try:
        nginx.start()
        assert nginx._process is not None
        service.base_url = nginx.json_base
        service.start()
        bearer = {"Authorization": f"Bearer {service.key}"}
        contenders = [
            Contender(NGINX, f"{nginx.json_base}/chat/completions", {}, chat, nginx._process.pid),
            Contender(
                EXECUTE,
                f"{service.origin}/api/connectors/{service.connector_id}/execute",
                bearer,
                {"operation": "chat.create", "params": chat},
                service.pid,
            ),
            Contender(GATEWAY, f"{service.origin}/v1/chat/completions", bearer, chat, service.pid),
        ]
        if litellm is not None:
            litellm.base_url = nginx.json_base
            try:
                litellm.start()
            except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"# LiteLLM proxy left out: {exc}", file=sys.stderr)
                litellm = None
            else:
                headers = {"Authorization": f"Bearer {litellm.key}"}
                url = f"{litellm.origin}/v1/chat/completions"
                contenders.append(Contender(LITELLM, url, headers, chat, litellm.pid))
        load = LoadGenerator()
        for workers in (1, args.workers):
            measure(load, contenders, workers, args)
        print(header(nginx, litellm, args))
    finally:
        if load is not None:
            load.close()
        for server in (litellm, service, nginx):
            if server is not None:
                server.stop()
    for workers in (1, args.workers):
        print(table(contenders, workers))
    checks = targets({c.name: c for c in contenders}, args.workers)
    print("Targets (issue 9; medians above, measured in this run)")
    for text, passed, figure in checks:
        verdict = {True: "PASS", False: "FAIL", None: "----"}[passed]
        print(f"  {verdict}  {text:<62} {figure}")
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

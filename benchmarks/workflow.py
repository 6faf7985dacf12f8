"""What running the connector inside BPMN processes costs, in one run against local nginx.

1. The embedded engine: the translator bot (examples/translator_bot.bpmn: an
   ``io.camunda:http-json:1`` task with FEEL inputs, a result expression, a script task) run
   N times on ``ProcessEngine`` against the same N direct ``Connector.run("raw.request")``
   calls with the same body. The difference per run is the engine's cost per service task
   (target <= 5 ms).
2. The Zeebe worker: ``openai-connector worker --http-json --concurrency 64`` (a process of
   its own) answering M translator jobs from the fake gateway of the tests (a process of its
   own; timed from its first activation to its last completion) against M direct
   ``AsyncConnector.run`` calls at 64 in flight (target: worker throughput >= 0.8x).

Rounds alternate the contenders; every run is printed, then medians and PASS/FAIL lines.
    python benchmarks/workflow.py [--runs 1000] [--jobs 2000] [--rounds 3]
Exit 0 when both targets pass, 1 when one fails, 2 without nginx or without the extras.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from local_nginx import LocalNginx, NginxMissing

ROOT = Path(__file__).resolve().parents[1]
TRANSLATOR = ROOT / "examples" / "translator_bot.bpmn"
KEY = "sk-bench-0123456789abcdef"
CONCURRENCY = 64
ENGINE_TARGET_MS = 5.0
WORKER_TARGET = 0.8
BODY = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a translator bot. Translate into French."},
        {"role": "user", "content": "Good morning"},
        {"role": "assistant", "content": "Bonjour"},
        {"role": "user", "content": "Where is the station?"},
    ],
}
JOB_VARIABLES = {
    "text": "Where is the station?",
    "language": "French",
    "authentication": {"type": "bearer", "token": "{{secrets.OPENAI_API_KEY}}"},
    "method": "POST",
    "url": "https://api.openai.com/v1/chat/completions",
    "headers": {"Content-Type": "application/json"},
    "body": BODY,
    "connectionTimeoutInSeconds": "20",
}
JOB_HEADERS = {
    "resultExpression": "={openAiResponse: response.body}",
    "errorExpression": '=if is defined(error) and error.code = "401" then '
    'bpmnError("OPENAI_FAILED", error.message) else null',
    "retryBackoff": "PT30S",
}
RAW_PARAMS = {"path": "/chat/completions", "method": "POST", "data": BODY, "timeout": 20.0}


# ------------------------------------------------------------------ embedded engine


def engine_runs(origin: str, runs: int) -> float:
    from openai_connector.secrets import SecretStore
    from openai_connector.workflow.engine import ProcessEngine

    engine = ProcessEngine(
        host_map={"api.openai.com": origin + "/json"},
        secrets=SecretStore(environ={"OPENAI_API_KEY": KEY}),
    )
    try:
        loaded = engine.load(TRANSLATOR)
        variables = {"text": "Where is the station?", "language": "French"}
        started = time.perf_counter()
        for _ in range(runs):
            outcome = engine.run(engine.start(loaded, variables))
            if outcome.state != "completed" or "translation" not in outcome.variables:
                raise SystemExit(f"engine run did not complete: {outcome.to_dict()}")
        return time.perf_counter() - started
    finally:
        engine.close()


def direct_sync(base: str, runs: int) -> float:
    from openai_connector import Connector

    with Connector(base_url=base, api_key=KEY) as connector:
        started = time.perf_counter()
        for _ in range(runs):
            result = connector.run("raw.request", RAW_PARAMS)
            if result.body["choices"][0]["message"]["content"] is None:
                raise SystemExit("no answer")
        return time.perf_counter() - started


# --------------------------------------------------------------------- Zeebe worker


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def direct_async(base: str, calls: int, cpu: list[float] | None = None) -> float:
    from openai_connector import AsyncConnector

    slots = asyncio.Semaphore(CONCURRENCY)
    async with AsyncConnector(base_url=base, api_key=KEY) as connector:

        async def one() -> None:
            async with slots:
                result = await connector.run("raw.request", RAW_PARAMS)
                if result.status != 200:
                    raise SystemExit(f"status {result.status}")

        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(calls)))
        if cpu is not None:
            cpu.append(time.process_time() - cpu_started)
        return time.perf_counter() - started


def serve_gateway(jobs: int) -> None:
    """Child process: a fake gateway holding ``jobs`` translator jobs; prints its port, then,
    when all are answered, the seconds from the first activation to the last completion."""
    sys.path.insert(0, str(ROOT / "tests" / "workflow"))
    from fake_zeebe_gateway import FakeGateway

    with FakeGateway() as gateway:
        for _ in range(jobs):
            gateway.add_job(
                "io.camunda:http-json:1",
                JOB_VARIABLES,
                JOB_HEADERS,
                process_id="translator_bot",
                element="translate",
            )
        print(gateway.port, flush=True)
        gateway.wait_for(lambda: gateway.finished() == jobs, timeout=600)
        completed = gateway.completed()
        first = gateway.first_activation or 0.0
        print(
            json.dumps(
                {
                    "seconds": max(a.at for a in completed) - first,
                    "completed": len(completed),
                    "distinct": len({a.key for a in completed}),
                    "rejected": len(gateway.rejected),
                    "ok": all("openAiResponse" in a.variables for a in completed),
                }
            ),
            flush=True,
        )


def worker_round(origin: str, jobs: int, cpu: list[float] | None = None) -> float:
    gateway = subprocess.Popen(
        [sys.executable, __file__, "--serve-gateway", str(jobs)],
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = None
    try:
        assert gateway.stdout is not None
        port = int(gateway.stdout.readline())
        cli = str(Path(sys.executable).with_name("openai-connector"))
        command = [
            cli, "worker", "--gateway", f"127.0.0.1:{port}", "--http-json",
            "--operation", "chat.create", "--bpmn", str(TRANSLATOR),
            "--host-map", f"api.openai.com={origin}/json", "--concurrency", str(CONCURRENCY),
        ]  # fmt: skip
        worker = subprocess.Popen(
            command,
            env={**os.environ, "OPENAI_API_KEY": KEY},
            stderr=subprocess.PIPE,
            text=True,
        )
        assert worker.stderr is not None
        worker.stderr.readline()  # "worker: serving ...": imported and about to poll
        cpu_started = cpu_seconds(worker.pid)
        report = json.loads(gateway.stdout.readline())
        cpu_done = cpu_seconds(worker.pid)
        if cpu is not None and cpu_started is not None and cpu_done is not None:
            cpu.append(cpu_done - cpu_started)
        if not (report["completed"] == report["distinct"] == jobs and report["ok"]):
            raise SystemExit(f"worker round went wrong: {report}")
        return float(report["seconds"])
    finally:
        if worker is not None:
            worker.terminate()
            worker.communicate(timeout=30)
        gateway.wait(30)
        if gateway.stdout is not None:
            gateway.stdout.close()


# -------------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="translator runs per round")
    parser.add_argument("--jobs", type=int, default=2000, help="Zeebe jobs per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-gateway", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_gateway:
        serve_gateway(args.serve_gateway)
        return 0
    try:
        import pyzeebe  # noqa: F401
        import SpiffWorkflow  # noqa: F401
    except ModuleNotFoundError as exc:
        print(f"needs {exc.name}: pip install -e '.[workflow,zeebe]'", file=sys.stderr)
        return 2
    try:
        server = LocalNginx()
    except NginxMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    with server:
        print(f"nginx {server.version()} on {server.origin}; {os.cpu_count()} CPUs")
        engine_ms: list[float] = []
        ratios: list[float] = []
        cpu_ratios: list[float] = []
        engine_runs(server.origin, 50)  # warm-up: imports, FEEL compiled, pools open
        direct_sync(server.json_base, 50)
        asyncio.run(direct_async(server.json_base, 200))
        for round_number in range(1, args.rounds + 1):
            first, second = ("engine", "direct") if round_number % 2 else ("direct", "engine")
            timings = {}
            for name in (first, second):
                if name == "engine":
                    timings[name] = engine_runs(server.origin, args.runs)
                else:
                    timings[name] = direct_sync(server.json_base, args.runs)
            per_task = (timings["engine"] - timings["direct"]) / args.runs * 1000
            engine_ms.append(per_task)
            print(
                f"round {round_number} engine: {args.runs} translator runs "
                f"{timings['engine']:.2f} s ({timings['engine'] / args.runs * 1000:.2f} ms/run); "
                f"{args.runs} direct calls {timings['direct']:.2f} s "
                f"({timings['direct'] / args.runs * 1000:.2f} ms/call); "
                f"engine cost per service task {per_task:.2f} ms"
            )
            first, second = ("worker", "direct") if round_number % 2 else ("direct", "worker")
            seconds = {}
            cpu: dict[str, list[float]] = {"worker": [], "direct": []}
            for name in (first, second):
                if name == "worker":
                    seconds[name] = worker_round(server.origin, args.jobs, cpu["worker"])
                else:
                    seconds[name] = asyncio.run(
                        direct_async(server.json_base, args.jobs, cpu["direct"])
                    )
            ratio = seconds["direct"] / seconds["worker"]
            ratios.append(ratio)
            print(
                f"round {round_number} zeebe: {args.jobs} jobs via the worker "
                f"{seconds['worker']:.2f} s ({args.jobs / seconds['worker']:.0f} jobs/s); "
                f"{args.jobs} direct async calls {seconds['direct']:.2f} s "
                f"({args.jobs / seconds['direct']:.0f} calls/s), {CONCURRENCY} in flight; "
                f"worker/direct throughput {ratio:.2f}x"
            )
            if cpu["worker"] and cpu["direct"]:
                per_job = cpu["worker"][0] / args.jobs * 1000
                per_call = cpu["direct"][0] / args.jobs * 1000
                cpu_ratios.append(per_call / per_job)
                print(
                    f"round {round_number} zeebe CPU: worker process {per_job:.2f} ms per job, "
                    f"direct {per_call:.2f} ms per call (the gateway's and nginx's CPU not "
                    f"counted); direct/worker {per_call / per_job:.2f}x"
                )
    engine_median = statistics.median(engine_ms)
    ratio_median = statistics.median(ratios)
    engine_ok = engine_median <= ENGINE_TARGET_MS
    worker_ok = ratio_median >= WORKER_TARGET
    print(
        f"{'PASS' if engine_ok else 'FAIL'} embedded engine cost per service task "
        f"{engine_median:.2f} ms (median of {len(engine_ms)} rounds; target <= "
        f"{ENGINE_TARGET_MS:.0f} ms)"
    )
    print(
        f"{'PASS' if worker_ok else 'FAIL'} Zeebe worker throughput {ratio_median:.2f}x the "
        f"direct async connector (median of {len(ratios)} rounds; target >= {WORKER_TARGET}x)"
    )
    if cpu_ratios:
        print(
            f"info: CPU per unit, direct async call / worker job: "
            f"{statistics.median(cpu_ratios):.2f}x (median; 1.00x would mean the worker costs "
            "nothing beyond the call)"
        )
    return 0 if engine_ok and worker_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

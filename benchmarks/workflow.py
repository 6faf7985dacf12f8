"""What running the connector inside BPMN processes costs, in one run against local nginx.

1. The embedded engine: the translator bot (examples/translator_bot.bpmn: an
   ``io.camunda:http-json:1`` task with FEEL inputs, a result expression, a script task) run
   N times on ``ProcessEngine`` against the same N direct ``Connector.run("raw.request")``
   calls with the same body. The difference per run is the engine's cost per service task
   (target <= 5 ms).
2. The Zeebe worker: ``openai-connector worker --http-json --concurrency 64`` (a process of
   its own) answering translator jobs from the fake gateway of the tests (a process of its
   own, which keeps 256 jobs waiting), against direct ``AsyncConnector.run`` calls at 64 in
   flight: each runs ``--warmup`` seconds, then what completes in a ``--seconds`` window is
   counted (at the gateway for the worker). Target: worker throughput >= 0.8x the direct one.
   A third contender, the same worker with a runner that answers every job at once (no call,
   no FEEL: ``AnswerAtOnce``), measures the plumbing every job costs (ActivateJobs and
   CompleteJob with grpcio, the worker's bookkeeping). CPU per job is read for every process
   (``/proc/PID/stat``: the worker's, the fake gateway's, the direct client's), and the
   ceiling direct / (direct + plumbing) is what the worker could reach with no cost of its own.

Rounds alternate the contenders; every run is printed, then medians and PASS/FAIL lines.
    python benchmarks/workflow.py [--runs 1000] [--seconds 3] [--warmup 1] [--rounds 3]
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


async def direct_async(
    base: str, seconds: float, warmup: float = 0.0, cpu: list[float] | None = None
) -> float:
    """Calls per second of direct ``AsyncConnector.run`` calls, 64 in flight, counted over
    ``seconds`` after ``warmup`` seconds (fixed time, as the worker's window)."""
    from openai_connector import AsyncConnector

    done = 0
    counting = stopping = False
    async with AsyncConnector(base_url=base, api_key=KEY) as connector:

        async def calls() -> None:
            nonlocal done
            while not stopping:
                result = await connector.run("raw.request", RAW_PARAMS)
                if result.status != 200:
                    raise SystemExit(f"status {result.status}")
                if counting:
                    done += 1

        tasks = [asyncio.create_task(calls()) for _ in range(CONCURRENCY)]
        await asyncio.sleep(warmup)
        counting = True
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.sleep(seconds)
        counting = False
        elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu_started
        stopping = True
        await asyncio.gather(*tasks)
    if cpu is not None:
        cpu.append(cpu_used / max(done, 1))
    return done / elapsed


def serve_gateway(warmup: float, seconds: float) -> None:
    """Child process: a fake gateway that keeps 4 x 64 translator jobs waiting (topped up as
    they are answered); prints its port, a line when the window opens (``warmup`` seconds
    after the first activation), and a report of the jobs completed in the ``seconds`` after.
    """
    sys.path.insert(0, str(ROOT / "tests" / "workflow"))
    from fake_zeebe_gateway import FakeGateway

    waiting = 4 * CONCURRENCY
    with FakeGateway() as gateway:
        added = 0

        def top_up() -> None:
            nonlocal added
            for _ in range(waiting - (added - gateway.finished())):
                gateway.add_job(
                    "io.camunda:http-json:1",
                    JOB_VARIABLES,
                    JOB_HEADERS,
                    process_id="translator_bot",
                    element="translate",
                )
                added += 1

        top_up()
        print(gateway.port, flush=True)
        while gateway.first_activation is None:
            time.sleep(0.002)
        opens = gateway.first_activation + warmup
        closes = opens + seconds
        said_open = False
        while time.monotonic() < closes + 0.05:
            top_up()
            if not said_open and time.monotonic() >= opens:
                print("open", flush=True)
                said_open = True
            time.sleep(0.005)
        completed = gateway.completed()
        counted = [a for a in completed if opens <= a.at < closes]
        print(
            json.dumps(
                {
                    "jobs": len(counted),
                    "seconds": seconds,
                    "completed": len(completed),
                    "distinct": len({a.key for a in completed}),
                    "rejected": len(gateway.rejected),
                    "ok": all("openAiResponse" in a.variables for a in counted),
                    "gateway_cpu": cpu_seconds(os.getpid()),
                    "batches": len(gateway.batches),
                }
            ),
            flush=True,
        )


class AnswerAtOnce:
    """A runner that answers every job at once with a translator's answer (no call, no FEEL):
    the worker with it costs what taking and answering a job costs (ActivateJobs and
    CompleteJob with grpcio, the worker's own bookkeeping): the floor of any job."""

    def __init__(self) -> None:
        from openai_connector.secrets import Redactor
        from openai_connector.workflow.job import Outcome

        sys.path.insert(0, str(ROOT / "benchmarks"))
        from fixtures import chat_completion

        variables = {"openAiResponse": chat_completion()}
        self.answer = Outcome("complete", variables), json.dumps(variables)
        self.redactor = Redactor()

    async def run_answer(self, job: object) -> tuple[object, str]:
        return self.answer

    async def aclose(self) -> None:
        return None


def serve_plumbing(port: int) -> None:
    """Child process: the worker with :class:`AnswerAtOnce` until SIGTERM."""
    import grpc

    from openai_connector.workflow.zeebe_worker import ConnectorWorker, run_worker

    async def main() -> None:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        worker = ConnectorWorker(
            AnswerAtOnce(),  # type: ignore[arg-type]
            channel,
            ["io.camunda:http-json:1"],
            concurrency=CONCURRENCY,
        )
        try:
            await run_worker(worker)
        finally:
            await channel.close()

    asyncio.run(main())


def worker_round(
    origin: str,
    seconds: float,
    warmup: float,
    cpu: dict[str, list[float]] | None = None,
    *,
    plumbing: bool = False,
) -> float:
    """Jobs per second through the worker process, counted at the gateway over the window
    (``plumbing``: the worker that answers at once, :class:`AnswerAtOnce`)."""
    gateway = subprocess.Popen(
        [
            sys.executable, __file__, "--serve-gateway",
            "--warmup", str(warmup), "--seconds", str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    worker = None
    try:
        assert gateway.stdout is not None
        port = int(gateway.stdout.readline())
        cli = str(Path(sys.executable).with_name("openai-connector"))
        command = [sys.executable, __file__, "--serve-plumbing", str(port)] if plumbing else [
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
        if gateway.stdout.readline().strip() != "open":
            raise SystemExit("the fake gateway did not open its window")
        worker_cpu, gateway_cpu = cpu_seconds(worker.pid), cpu_seconds(gateway.pid)
        report = json.loads(gateway.stdout.readline())
        worker_done = cpu_seconds(worker.pid)
        if not (report["completed"] == report["distinct"] and report["ok"]) or report["rejected"]:
            raise SystemExit(f"worker round went wrong: {report}")
        jobs = max(int(report["jobs"]), 1)
        if cpu is not None and None not in (worker_cpu, worker_done, gateway_cpu):
            name = "plumbing" if plumbing else "worker"
            cpu[name].append((worker_done - worker_cpu) / jobs)  # type: ignore[operator]
            cpu[f"{name} gateway"].append((report["gateway_cpu"] - gateway_cpu) / jobs)  # type: ignore[operator]
        return float(report["jobs"]) / seconds
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
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="Zeebe and direct async window per round"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="seconds of work before each window opens"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-gateway", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-plumbing", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_gateway:
        serve_gateway(args.warmup, args.seconds)
        return 0
    if args.serve_plumbing:
        serve_plumbing(args.serve_plumbing)
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
        cpu_ms: dict[str, list[float]] = {}
        engine_runs(server.origin, 50)  # warm-up: imports, FEEL compiled, pools open
        direct_sync(server.json_base, 50)
        asyncio.run(direct_async(server.json_base, 0.5))
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
            order = ["worker", "direct", "plumbing"]
            order = order[round_number % 3 :] + order[: round_number % 3]
            rates = {}
            cpu = {name: [] for name in ("worker", "worker gateway", "direct", "plumbing")}
            cpu["plumbing gateway"] = []
            for name in order:
                if name == "direct":
                    rates[name] = asyncio.run(
                        direct_async(server.json_base, args.seconds, args.warmup, cpu["direct"])
                    )
                else:
                    rates[name] = worker_round(
                        server.origin, args.seconds, args.warmup, cpu, plumbing=name == "plumbing"
                    )
            ratio = rates["worker"] / rates["direct"]
            ratios.append(ratio)
            print(
                f"round {round_number} zeebe: worker {rates['worker']:.0f} jobs/s, direct async "
                f"{rates['direct']:.0f} calls/s ({CONCURRENCY} in flight each, "
                f"{args.seconds:g} s windows after {args.warmup:g} s of work); "
                f"worker/direct throughput {ratio:.2f}x (plumbing only: "
                f"{rates['plumbing']:.0f} jobs/s)"
            )
            if all(cpu[name] for name in ("worker", "direct", "plumbing")):
                ms = {name: values[0] * 1000 for name, values in cpu.items() if values}
                for name, value in ms.items():
                    cpu_ms.setdefault(name, []).append(value)
                cpu_ratios.append(ms["direct"] / ms["worker"])
                print(
                    f"round {round_number} zeebe CPU per job: worker process "
                    f"{ms['worker']:.3f} ms (its fake gateway {ms['worker gateway']:.3f} ms); "
                    f"plumbing-only worker {ms['plumbing']:.3f} ms (its gateway "
                    f"{ms['plumbing gateway']:.3f} ms); direct async call {ms['direct']:.3f} ms "
                    f"(nginx not counted); direct/worker {ms['direct'] / ms['worker']:.2f}x, "
                    f"ceiling direct/(direct + plumbing) "
                    f"{ms['direct'] / (ms['direct'] + ms['plumbing']):.2f}x"
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
        med = {name: statistics.median(values) for name, values in cpu_ms.items()}
        print(
            f"info: CPU per job (medians, ms): worker process {med['worker']:.3f}, its fake "
            f"gateway {med['worker gateway']:.3f}; plumbing-only worker {med['plumbing']:.3f}; "
            f"direct async call {med['direct']:.3f}; worker beyond plumbing "
            f"{med['worker'] - med['plumbing']:.3f}"
        )
        print(
            f"info: CPU per unit, direct async call / worker job: "
            f"{statistics.median(cpu_ratios):.2f}x (median; 1.00x would mean the worker costs "
            f"nothing beyond the call); ceiling with grpcio's plumbing, direct / (direct + "
            f"plumbing): {med['direct'] / (med['direct'] + med['plumbing']):.2f}x"
        )
    return 0 if engine_ok and worker_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

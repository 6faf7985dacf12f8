"""An in-process fake of the Zeebe gateway's gRPC service, on 127.0.0.1, for worker tests.

It holds a job queue (type, variables, custom headers, retries) and answers what a job
worker calls: ActivateJobs (long polling: it waits up to the request's timeout for a job),
CompleteJob, FailJob and ThrowError, with Zeebe's rules: an activated job is locked to its
worker until its timeout, then handed out again; a failed job with retries left comes back
after its backoff; one with none left becomes an incident; answering a job that is not
activated (already answered, or never handed out) is NOT_FOUND. Every answer is recorded by
job key, so a test can see that no job was lost or done twice.

It runs grpcio's aio server on its own event loop in a background thread (``with
FakeGateway() as gateway:``), so a test, a worker in the test's loop and worker processes can
all talk to it. The stubs come from pyzeebe (``pyzeebe.proto``; older pyzeebe: ``zeebe_grpc``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

try:
    from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc
except ImportError:  # pyzeebe before it shipped its own stubs
    from zeebe_grpc import gateway_pb2, gateway_pb2_grpc  # type: ignore[no-redef]

DEFAULT_LONG_POLL = 5.0
"""Seconds an ActivateJobs call waits for a job when the request gives no timeout."""


@dataclass
class FakeJob:
    key: int
    type: str
    variables: dict[str, Any]
    headers: dict[str, str]
    retries: int
    process_id: str
    element: str
    available_at: float = 0.0
    locked_until: float | None = None
    worker: str = ""
    activations: int = 0
    state: str = "ready"
    """ready | activated | completed | error_thrown | incident"""
    variables_json: str = ""
    headers_json: str = ""


@dataclass
class Answer:
    kind: str
    """complete | fail | throw"""
    key: int
    variables_json: str = "{}"
    """As sent; parsed when a test reads ``variables`` (the fake stays cheap under load)."""
    retries: int | None = None
    message: str = ""
    code: str = ""
    backoff_ms: int = 0
    worker: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def variables(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.variables_json or "{}")
        return parsed


class FakeGateway(gateway_pb2_grpc.GatewayServicer):  # type: ignore[misc]
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.jobs: dict[int, FakeJob] = {}
        self.answers: list[Answer] = []
        self.rejected: list[tuple[str, int]] = []
        """(rpc, job key) of answers refused as NOT_FOUND."""
        self.first_activation: float | None = None
        self._finished = 0
        self.batches: list[int] = []
        """How many jobs each ActivateJobs answer handed out."""
        self._queued: dict[str, dict[int, FakeJob]] = {}
        """Jobs waiting to be handed out, by type, in the order they came."""
        self._active: dict[int, FakeJob] = {}
        """time.monotonic() when the first job was handed out."""
        self._keys = itertools.count(2251799813685249)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._changed: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = 0

    # ------------------------------------------------------------- the test's side

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def add_job(
        self,
        type: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        *,
        retries: int = 3,
        process_id: str = "process",
        element: str = "task",
    ) -> int:
        with self._lock:
            key = next(self._keys)
            job = FakeJob(
                key, type, dict(variables or {}), dict(headers or {}), retries, process_id, element
            )
            job.variables_json = json.dumps(job.variables)
            job.headers_json = json.dumps(job.headers)
            self.jobs[key] = self._queued.setdefault(type, {})[key] = job
        self._wake()
        return key

    def answers_for(self, key: int) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.key == key]

    def completed(self) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.kind == "complete"]

    def finished(self) -> int:
        """How many jobs are answered for good (completed, error thrown, incident)."""
        return self._finished  # counted as they finish: tests and benchmarks poll this

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached in {timeout} s; answers: {self.answers[-5:]}")
            time.sleep(0.01)

    # ------------------------------------------------------------------ gRPC side

    def _wake(self) -> None:
        if self._ready.is_set():
            self._loop.call_soon_threadsafe(self._signal)

    def _signal(self) -> None:
        if self._changed is not None:
            self._changed.set()
        self._changed = asyncio.Event()

    def _take(self, request: Any) -> list[FakeJob]:
        now = self.clock()
        taken: list[FakeJob] = []
        with self._lock:
            for key in [k for k, job in self._active.items() if (job.locked_until or 0) <= now]:
                job = self._active.pop(key)  # its worker took too long: hand it out again
                job.state = "ready"
                self._queued.setdefault(job.type, {})[key] = job
            queue = self._queued.get(request.type, {})
            for job in queue.values():  # in order; only as far as needed
                if len(taken) >= request.maxJobsToActivate:
                    break
                if job.available_at <= now:
                    taken.append(job)
            for job in taken:
                key = job.key
                del queue[key]
                self._active[key] = job
                job.state = "activated"
                job.locked_until = now + request.timeout / 1000
                job.worker = request.worker
                job.activations += 1
            if taken:
                self.batches.append(len(taken))
                if self.first_activation is None:
                    self.first_activation = time.monotonic()
        return taken

    async def ActivateJobs(self, request: Any, context: Any) -> AsyncIterator[Any]:
        wait = request.requestTimeout / 1000 if request.requestTimeout > 0 else DEFAULT_LONG_POLL
        deadline = time.monotonic() + wait
        while True:
            changed = self._changed
            taken = self._take(request)
            if taken:
                yield gateway_pb2.ActivateJobsResponse(jobs=[self._activated(j) for j in taken])
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0 or changed is None:
                return
            # wake on a new job, and now and then for lock timeouts and backoffs
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, 0.2))

    def _activated(self, job: FakeJob) -> Any:
        return gateway_pb2.ActivatedJob(
            key=job.key,
            type=job.type,
            processInstanceKey=job.key + 1,
            bpmnProcessId=job.process_id,
            processDefinitionVersion=1,
            processDefinitionKey=1,
            elementId=job.element,
            elementInstanceKey=job.key + 2,
            customHeaders=job.headers_json,
            worker=job.worker,
            retries=job.retries,
            deadline=int((job.locked_until or 0) * 1000),
            variables=job.variables_json,
        )

    async def _answer(self, rpc: str, key: int, context: Any) -> FakeJob:
        with self._lock:
            job = self.jobs.get(key)
            if job is None or job.state != "activated":
                self.rejected.append((rpc, key))
                job = None
            else:
                del self._active[key]
        if job is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"job {key} is not activated")
        assert job is not None
        return job

    async def CompleteJob(self, request: Any, context: Any) -> Any:
        job = await self._answer("CompleteJob", request.jobKey, context)
        with self._lock:
            job.state = "completed"
            self._finished += 1
            self.answers.append(
                Answer("complete", job.key, request.variables or "{}", worker=job.worker)
            )
        return gateway_pb2.CompleteJobResponse()

    async def FailJob(self, request: Any, context: Any) -> Any:
        job = await self._answer("FailJob", request.jobKey, context)
        with self._lock:
            job.retries = request.retries
            job.locked_until = None
            if request.retries > 0:
                job.state = "ready"
                job.available_at = self.clock() + request.retryBackOff / 1000
                self._queued.setdefault(job.type, {})[job.key] = job
            else:
                job.state = "incident"
                self._finished += 1
            self.answers.append(
                Answer(
                    "fail",
                    job.key,
                    request.variables or "{}",
                    retries=request.retries,
                    message=request.errorMessage,
                    backoff_ms=request.retryBackOff,
                    worker=job.worker,
                )
            )
        self._wake()
        return gateway_pb2.FailJobResponse()

    async def ThrowError(self, request: Any, context: Any) -> Any:
        job = await self._answer("ThrowError", request.jobKey, context)
        with self._lock:
            job.state = "error_thrown"
            self._finished += 1
            self.answers.append(
                Answer(
                    "throw",
                    job.key,
                    request.variables or "{}",
                    message=request.errorMessage,
                    code=request.errorCode,
                    worker=job.worker,
                )
            )
        return gateway_pb2.ThrowErrorResponse()

    async def Topology(self, request: Any, context: Any) -> Any:
        return gateway_pb2.TopologyResponse(clusterSize=1, partitionsCount=1, gatewayVersion="fake")

    # -------------------------------------------------------------- life cycle

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = grpc.aio.server()
        gateway_pb2_grpc.add_GatewayServicer_to_server(self, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._loop.run_until_complete(self._server.start())
        self._changed = asyncio.Event()
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> FakeGateway:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def shut() -> None:
            await self._server.stop(0.2)
            # long polls still waiting end now, not when the loop is closed
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

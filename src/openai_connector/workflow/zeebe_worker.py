"""A Camunda 8 / Zeebe job worker serving the connector's task types.

``ConnectorWorker`` subscribes to ``io.openai-connector:<operation-id>:1`` (every operation,
or those named) and, when asked, ``io.camunda:http-json:1``; each job goes to a
:class:`~.zeebe_jobs.JobRunner` and its outcome is sent back: CompleteJob with the mapped
variables, ThrowError with the BPMN error's code, message and variables, or FailJob with the
retries left and the backoff (Zeebe raises an incident at 0 retries). Run as many replicas as
needed: Zeebe hands each job to one worker at a time.

pyzeebe makes the gateway connection (channel, TLS, OAuth credentials) and ships the gRPC
stubs; the job loop is our own and lean, over the stub: one ActivateJobs long poll per task
type asking for as many jobs as it has room for (``concurrency`` minus those it holds), each
job run in a task of its own and answered by one CompleteJob, ThrowError or FailJob call.
(pyzeebe's task machinery cost several times the connector call in CPU per job.)

``gateway_channel`` picks the connection: ``--gateway HOST:PORT`` (plaintext, or TLS), else
Camunda's usual variables (``ZEEBE_ADDRESS``, ``ZEEBE_CLIENT_ID``/``CAMUNDA_CLIENT_ID``,
``ZEEBE_CLIENT_SECRET``/``CAMUNDA_CLIENT_SECRET``, ``CAMUNDA_OAUTH_URL``/
``ZEEBE_AUTHORIZATION_SERVER_URL``, ``ZEEBE_TOKEN_AUDIENCE``/``CAMUNDA_TOKEN_AUDIENCE``,
``CAMUNDA_CLUSTER_ID``, ``CAMUNDA_CLUSTER_REGION``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import socket
from collections.abc import Mapping
from typing import Any

import grpc
import orjson

from ..errors import ConfigError
from .job import Outcome
from .zeebe_jobs import JobRunner, ZeebeJob, answer_json

DEFAULT_CONCURRENCY = 32
DEFAULT_JOB_TIMEOUT = 300.0
"""Seconds Zeebe gives a worker to answer a job before handing it to another one."""
LONG_POLL = 10.0
"""Seconds an ActivateJobs call waits at the gateway for a job (Zeebe's default)."""
ANSWER_TIMEOUT = 60.0
"""Seconds a CompleteJob, FailJob or ThrowError call may take."""
ACTIVATION_SHARE = 8
ACTIVATION_PAUSE = 0.005
"""With fewer than 1/ACTIVATION_SHARE of the slots free (and jobs running), a task type's
poller waits this many seconds before it activates, so that one call takes several jobs."""
CACHED_HEADERS = 1024
"""Distinct custom-header texts kept read (one per task of the deployed processes)."""
CONNECTION_RETRIES = 10
"""Failed gateway calls in a row after which the gateway is taken as lost (as pyzeebe)."""
RETRY_PAUSE = 5.0
"""Seconds a task type's poller waits after a failed ActivateJobs call (as pyzeebe)."""
SAAS_OAUTH_URL = "https://login.cloud.camunda.io/oauth/token"
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.DEADLINE_EXCEEDED,
    }
)
"""Statuses that count towards losing the gateway; RESOURCE_EXHAUSTED (back pressure) does
not, and any other status is a failure too."""

log = logging.getLogger(__name__)


def _stubs() -> tuple[Any, Any]:
    try:
        from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc
    except ImportError:  # pyzeebe before it shipped its own stubs
        from zeebe_grpc import gateway_pb2, gateway_pb2_grpc  # type: ignore[no-redef,import-not-found]
    return gateway_pb2, gateway_pb2_grpc


def _first(environ: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        if environ.get(name):
            return environ[name]
    return None


def gateway_channel(
    address: str | None, *, tls: bool = False, environ: Mapping[str, str] | None = None
) -> tuple[Any, str]:
    """(gRPC channel, where it goes) from ``--gateway`` or Camunda's environment variables."""
    from pyzeebe import (
        create_camunda_cloud_channel,
        create_insecure_channel,
        create_oauth2_client_credentials_channel,
        create_secure_channel,
    )

    env = os.environ if environ is None else environ
    if address:
        if tls:
            return create_secure_channel(grpc_address=address), address
        return create_insecure_channel(grpc_address=address), address
    client_id = _first(env, "CAMUNDA_CLIENT_ID", "ZEEBE_CLIENT_ID")
    secret = _first(env, "CAMUNDA_CLIENT_SECRET", "ZEEBE_CLIENT_SECRET")
    zeebe_address = env.get("ZEEBE_ADDRESS")
    oauth_url = _first(env, "CAMUNDA_OAUTH_URL", "ZEEBE_AUTHORIZATION_SERVER_URL")
    audience = _first(env, "CAMUNDA_TOKEN_AUDIENCE", "ZEEBE_TOKEN_AUDIENCE")
    if client_id and secret:
        if zeebe_address:
            return create_oauth2_client_credentials_channel(
                grpc_address=zeebe_address,
                client_id=client_id,
                client_secret=secret,
                authorization_server=oauth_url or SAAS_OAUTH_URL,
                audience=audience or zeebe_address.rsplit(":", 1)[0],
            ), zeebe_address
        cluster = env.get("CAMUNDA_CLUSTER_ID")
        if cluster:
            region = env.get("CAMUNDA_CLUSTER_REGION") or "bru-2"
            return create_camunda_cloud_channel(
                client_id=client_id,
                client_secret=secret,
                cluster_id=cluster,
                region=region,
                authorization_server=oauth_url or SAAS_OAUTH_URL,
                audience=audience or "zeebe.camunda.io",
            ), f"{cluster}.{region}.zeebe.camunda.io:443"
        raise ConfigError(
            "Zeebe client credentials are set but not where the gateway is",
            hint="set ZEEBE_ADDRESS (HOST:PORT) or CAMUNDA_CLUSTER_ID (Camunda SaaS)",
        )
    if zeebe_address:
        if tls:
            return create_secure_channel(grpc_address=zeebe_address), zeebe_address
        return create_insecure_channel(grpc_address=zeebe_address), zeebe_address
    raise ConfigError(
        "no Zeebe gateway given",
        hint="give --gateway HOST:PORT, or set ZEEBE_ADDRESS (with ZEEBE_CLIENT_ID and "
        "ZEEBE_CLIENT_SECRET for an OAuth gateway), or CAMUNDA_CLUSTER_ID and the client "
        "credentials for Camunda SaaS",
    )


LONG_NUMBER = re.compile(rb"\d{19}")
"""A number orjson may not read exactly (beyond 64 bits it gives a float): json reads it."""


def json_object(text: str) -> dict[str, Any]:
    """A job's variables or custom headers from their JSON text (``{}`` when empty)."""
    if not text:
        return {}
    data = text.encode()
    value = json.loads(data) if LONG_NUMBER.search(data) else orjson.loads(data)
    return value if isinstance(value, dict) else {}


def zeebe_job(raw: Any, headers: Mapping[str, Any] | None = None) -> ZeebeJob:
    """The job as the runner sees it, from the gateway's ``ActivatedJob`` message
    (``headers``: its custom headers already read)."""
    return ZeebeJob(
        key=raw.key,
        type=raw.type,
        process_id=raw.bpmnProcessId,
        element=raw.elementId,
        retries=raw.retries,
        headers=json_object(raw.customHeaders) if headers is None else headers,
        variables=json_object(raw.variables),
        headers_text=raw.customHeaders,
    )


class ConnectorWorker:
    """Serves ``task_types`` from a Zeebe gateway with ``runner``.

    At most ``concurrency`` calls run at once; each task type holds at most that many
    activated jobs at a time. ``job_timeout`` is how long Zeebe waits for an answer before it
    gives the job to another worker. After ``connection_retries`` failed gateway calls in a
    row (``retry_pause`` seconds apart) the gateway is taken as lost.
    """

    def __init__(
        self,
        runner: JobRunner,
        channel: grpc.aio.Channel,
        task_types: list[str],
        *,
        name: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        job_timeout: float = DEFAULT_JOB_TIMEOUT,
        long_poll: float = LONG_POLL,
        connection_retries: int = CONNECTION_RETRIES,
        retry_pause: float = RETRY_PAUSE,
    ) -> None:
        if concurrency < 1:
            raise ConfigError(f"concurrency must be 1 or more, not {concurrency}")
        self.runner = runner
        self.task_types = task_types
        self.name = name or socket.gethostname()
        self.concurrency = concurrency
        self.job_timeout_ms = int(job_timeout * 1000)
        self.long_poll = long_poll
        self.connection_retries = connection_retries
        self.retry_pause = retry_pause
        self._pb, grpc_module = _stubs()
        self._stub = grpc_module.GatewayStub(channel)
        self._slots = asyncio.Semaphore(concurrency)
        self._held = dict.fromkeys(task_types, 0)
        self._freed = asyncio.Event()
        self._jobs: set[asyncio.Task[None]] = set()
        self._failures = 0
        self._connected = True
        self._headers: dict[str, dict[str, Any]] = {}
        self._batch = max(1, concurrency // ACTIVATION_SHARE)

    @property
    def connected(self) -> bool:
        return self._connected

    # ------------------------------------------------------------------ activation

    async def _poll(self, task_type: str, stop: asyncio.Event) -> None:
        """Activate jobs of ``task_type`` while there is room, until stopped or lost."""
        while not stop.is_set() and self._connected:
            room = self.concurrency - self._held[task_type]
            if room <= 0:
                self._freed.clear()
                await self._freed.wait()
                continue
            if room < self._batch and self._held[task_type]:
                # a few slots free and jobs running: a moment for more to finish, so one
                # ActivateJobs takes several jobs (each call costs as much as a CompleteJob)
                await asyncio.sleep(ACTIVATION_PAUSE)
                if stop.is_set():
                    continue
                room = self.concurrency - self._held[task_type]
            request = self._pb.ActivateJobsRequest(
                type=task_type,
                worker=self.name,
                timeout=self.job_timeout_ms,
                maxJobsToActivate=room,
                requestTimeout=int(self.long_poll * 1000),
            )
            try:
                async for response in self._stub.ActivateJobs(
                    request, timeout=self.long_poll * 2 + 5
                ):
                    for raw in response.jobs:
                        self._start(task_type, raw)
                self._failures = 0
            except grpc.aio.AioRpcError as error:
                self._failed("ActivateJobs", task_type, error)
                await asyncio.sleep(self.retry_pause)

    def _failed(self, call: str, what: object, error: grpc.aio.AioRpcError) -> None:
        status = error.code()
        log.warning("Zeebe %s (%s) failed: %s %s", call, what, status.name, error.details())
        if status == grpc.StatusCode.RESOURCE_EXHAUSTED:
            return  # back pressure: the gateway is there, try again later
        self._failures += 1
        if self._failures >= self.connection_retries:
            self._connected = False
            self._freed.set()  # pollers waiting for room see it

    # ------------------------------------------------------------------------ jobs

    def _start(self, task_type: str, raw: Any) -> None:
        self._held[task_type] += 1
        task = asyncio.create_task(self._job(task_type, raw))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def _zeebe_job(self, raw: Any) -> ZeebeJob:
        """The job, its custom headers read once per distinct text (jobs of one task share
        them; the runner does not change them)."""
        text = raw.customHeaders
        headers = self._headers.get(text)
        if headers is None:
            headers = json_object(text)
            if len(self._headers) >= CACHED_HEADERS:
                self._headers.clear()
            self._headers[text] = headers
        return zeebe_job(raw, headers)

    async def _job(self, task_type: str, raw: Any) -> None:
        try:
            try:
                async with self._slots:
                    outcome, text = await self.runner.run_answer(self._zeebe_job(raw))
            except Exception as exc:  # not expected: the runner answers every failure itself
                message = self.runner.redactor(f"{type(exc).__name__}: {exc}")
                outcome = Outcome("fail", message=message, retries=max(0, raw.retries - 1))
                text = None
            await self._answer(raw.key, outcome, text)
        finally:
            self._held[task_type] -= 1
            self._freed.set()

    async def _answer(self, key: int, outcome: Outcome, text: str | None) -> None:
        """CompleteJob, ThrowError or FailJob; ``text``: the variables as JSON, if known."""
        pb = self._pb
        variables = answer_json(outcome.variables) if text is None else text
        try:
            if outcome.kind == "complete":
                call = "CompleteJob"
                await self._stub.CompleteJob(
                    pb.CompleteJobRequest(jobKey=key, variables=variables),
                    timeout=ANSWER_TIMEOUT,
                )
            elif outcome.kind == "bpmn_error":
                call = "ThrowError"
                await self._stub.ThrowError(
                    pb.ThrowErrorRequest(
                        jobKey=key,
                        errorCode=outcome.code or "",
                        errorMessage=outcome.message or "",
                        variables=variables,
                    ),
                    timeout=ANSWER_TIMEOUT,
                )
            else:
                call = "FailJob"
                await self._stub.FailJob(
                    pb.FailJobRequest(
                        jobKey=key,
                        retries=outcome.retries,
                        errorMessage=outcome.message or "",
                        retryBackOff=round(outcome.backoff * 1000),
                        variables=variables,
                    ),
                    timeout=ANSWER_TIMEOUT,
                )
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                # timed out and handed to another worker, or cancelled: not ours to answer
                log.warning("Zeebe %s: job %s is no longer ours (%s)", call, key, error.details())
            else:
                self._failed(call, f"job {key}", error)
        else:
            self._failures = 0

    # ------------------------------------------------------------------- serving

    async def serve(self, stop: asyncio.Event) -> bool:
        """Work until ``stop`` is set (jobs in flight are finished and answered) or the
        gateway is gone for good; True when stopped, False when the gateway was lost."""
        pollers = [asyncio.create_task(self._poll(t, stop)) for t in self.task_types]
        try:
            while not stop.is_set() and self._connected:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
            stopped = stop.is_set()
            for poller in pollers:  # a long poll in progress ends now; no new jobs are taken
                poller.cancel()
            await asyncio.gather(*pollers, return_exceptions=True)
            while self._jobs:  # jobs in flight finish and are answered
                await asyncio.gather(*self._jobs, return_exceptions=True)
            return stopped
        finally:
            for poller in pollers:
                poller.cancel()
            await self.runner.aclose()


async def run_worker(worker: ConnectorWorker) -> bool:
    """Serve until SIGINT or SIGTERM (a graceful stop); False when the gateway was lost."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return await worker.serve(stop)

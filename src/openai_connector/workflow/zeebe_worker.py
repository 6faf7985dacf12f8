"""A Camunda 8 / Zeebe job worker (pyzeebe) serving the connector's task types.

``ConnectorWorker`` subscribes to ``io.openai-connector:<operation-id>:1`` (every operation,
or those named) and, when asked, ``io.camunda:http-json:1``; each job goes to a
:class:`~.zeebe_jobs.JobRunner` and its outcome is sent back: CompleteJob with the mapped
variables, ThrowError with the BPMN error's code, message and variables, or FailJob with the
retries left and the backoff (Zeebe raises an incident at 0 retries). Run as many replicas as
needed: Zeebe hands each job to one worker at a time.

``gateway_channel`` picks the connection: ``--gateway HOST:PORT`` (plaintext, or TLS), else
Camunda's usual variables (``ZEEBE_ADDRESS``, ``ZEEBE_CLIENT_ID``/``CAMUNDA_CLIENT_ID``,
``ZEEBE_CLIENT_SECRET``/``CAMUNDA_CLIENT_SECRET``, ``CAMUNDA_OAUTH_URL``/
``ZEEBE_AUTHORIZATION_SERVER_URL``, ``ZEEBE_TOKEN_AUDIENCE``/``CAMUNDA_TOKEN_AUDIENCE``,
``CAMUNDA_CLUSTER_ID``, ``CAMUNDA_CLUSTER_REGION``).
"""

# No ``from __future__ import annotations`` in this module: pyzeebe finds a task function's
# job parameter by comparing its annotation with ``pyzeebe.Job``, which a string is not.

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping
from typing import Any

import grpc
from pyzeebe import Job, JobController, ZeebeWorker
from pyzeebe.errors import PyZeebeError

from ..errors import ConfigError
from .job import Outcome
from .zeebe_jobs import JobRunner, ZeebeJob

DEFAULT_CONCURRENCY = 32
DEFAULT_JOB_TIMEOUT = 300.0
"""Seconds Zeebe gives a worker to answer a job before handing it to another one."""
POLL_PAUSE = 0.005
"""Seconds a task type's poller pauses while all its job slots are taken."""
SAAS_OAUTH_URL = "https://login.cloud.camunda.io/oauth/token"


class _SaturationNotes(logging.Filter):
    """Drops pyzeebe's note that all job slots are taken: normal under load, not a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Maximum number of jobs running")


def _quiet_pyzeebe() -> None:
    poller = logging.getLogger("pyzeebe.worker.job_poller")
    if not any(isinstance(f, _SaturationNotes) for f in poller.filters):
        poller.addFilter(_SaturationNotes())


class JobAnswered(Exception):
    """Carries a non-complete outcome from the task function to the answering handler."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


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


def zeebe_job(job: Job) -> ZeebeJob:
    return ZeebeJob(
        key=job.key,
        type=job.type,
        process_id=job.bpmn_process_id,
        element=job.element_id,
        retries=job.retries,
        headers=dict(job.custom_headers),
        variables=dict(job.variables),
    )


class ConnectorWorker:
    """Serves ``task_types`` from a Zeebe gateway with ``runner``.

    At most ``concurrency`` calls run at once; each task type activates at most that many
    jobs at a time. ``job_timeout`` is how long Zeebe waits for an answer before it gives
    the job to another worker.
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
    ) -> None:
        if concurrency < 1:
            raise ConfigError(f"concurrency must be 1 or more, not {concurrency}")
        self.runner = runner
        self.task_types = task_types
        self._slots = asyncio.Semaphore(concurrency)
        _quiet_pyzeebe()
        self.zeebe = ZeebeWorker(
            channel,
            name=name,
            exception_handler=self._answer,
            poll_retry_delay=POLL_PAUSE,  # type: ignore[arg-type]  # asyncio.sleep takes float
        )
        for task_type in task_types:
            self.zeebe.task(
                task_type,
                timeout_ms=int(job_timeout * 1000),
                max_jobs_to_activate=concurrency,
                max_running_jobs=concurrency,
            )(self._run_job)  # type: ignore[arg-type]  # pyzeebe types the decorator for a ParamSpec

    async def _run_job(self, job: Job) -> dict[str, Any]:
        async with self._slots:
            outcome = await self.runner.run(zeebe_job(job))
        if outcome.kind == "complete":
            return outcome.variables
        raise JobAnswered(outcome)

    async def _answer(self, exc: Exception, job: Job, controller: JobController) -> None:
        """Send a bpmnError or a failure; pyzeebe sends the completions."""
        if isinstance(exc, JobAnswered):
            outcome = exc.outcome
        else:  # not expected: the runner answers every failure itself
            message = self.runner.redactor(f"{type(exc).__name__}: {exc}")
            outcome = Outcome("fail", message=message, retries=max(0, job.retries - 1))
        adapter = self.zeebe.zeebe_adapter
        if outcome.kind == "bpmn_error":
            await adapter.throw_error(
                job_key=job.key,
                message=outcome.message or "",
                error_code=outcome.code or "",
                variables=outcome.variables,
            )
        else:
            await adapter.fail_job(
                job_key=job.key,
                retries=outcome.retries,
                message=outcome.message or "",
                retry_back_off_ms=round(outcome.backoff * 1000),
                variables=outcome.variables,
            )

    @property
    def connected(self) -> bool:
        return bool(self.zeebe.zeebe_adapter.connected)

    async def serve(self, stop: asyncio.Event) -> bool:
        """Work until ``stop`` is set (jobs in flight are finished and answered) or the
        gateway is gone for good; True when stopped, False when the gateway was lost."""
        work = asyncio.create_task(self.zeebe.work())
        try:
            while not stop.is_set() and self.connected and not work.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
            stopped = stop.is_set()
            await self.zeebe.stop()
            with contextlib.suppress(asyncio.CancelledError, PyZeebeError):
                await work
            return stopped
        finally:
            await self.runner.aclose()


async def run_worker(worker: ConnectorWorker) -> bool:
    """Serve until SIGINT or SIGTERM (a graceful stop); False when the gateway was lost."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return await worker.serve(stop)

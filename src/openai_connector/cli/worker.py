"""``openai-connector worker``: serve the connector's task types to Camunda 8 / Zeebe.

Only click is imported here; pyzeebe (the ``zeebe`` extra) loads when the command runs.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from .process import _pairs
from .task_options import task_reach_options

if TYPE_CHECKING:
    from .session import CliOptions

WORKER_EXIT_CODES = """\b
Exit codes:
  0  stopped by SIGINT or SIGTERM (jobs in flight were finished and answered)
  2  a bad option or configuration (no gateway, unknown operation, unreadable BPMN)
  4  the gateway could not be reached, or was lost
"""


@click.command("worker", epilog=WORKER_EXIT_CODES)
@click.option(
    "--gateway",
    metavar="HOST:PORT",
    help="The Zeebe gateway (default: ZEEBE_ADDRESS, or Camunda SaaS from CAMUNDA_CLUSTER_ID).",
)
@click.option("--tls", is_flag=True, help="Talk to the gateway over TLS (default: plaintext).")
@click.option(
    "--operation",
    "operations",
    multiple=True,
    metavar="ID",
    help="Serve io.openai-connector:ID:1 (repeatable; default: every operation).",
)
@click.option(
    "--http-json",
    is_flag=True,
    help="Also serve io.camunda:http-json:1 (Camunda's OpenAI templates) for OpenAI hosts.",
)
@click.option(
    "--bpmn",
    "bpmn_files",
    multiple=True,
    metavar="FILE|DIR",
    help="Deployed BPMN files: a {{secrets.NAME}} in a job variable is resolved only when the "
    "BPMN writes it in that field (repeatable).",
)
@task_reach_options("jobs")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Most jobs in flight (calls at once; each task type activates at most this many).",
)
@click.option(
    "--job-timeout",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="How long Zeebe waits for an answer before giving a job to another worker.",
)
@click.option("--name", metavar="NAME", help="The worker's name in Zeebe (default: host name).")
@click.pass_obj
def worker(options: CliOptions, /, **values: Any) -> None:
    """Serve the connector's task types to a Camunda 8 / Zeebe gateway until stopped.

    Jobs of type io.openai-connector:<operation-id>:1 (and io.camunda:http-json:1 with
    --http-json) run through the connector; resultVariable, resultExpression,
    errorExpression and retryBackoff headers are honoured as on the embedded engine. Secret
    references are resolved from the environment (or --secrets-file/--secrets-dir) in task
    headers, and in variables only where the --bpmn files write them.
    """
    from .session import Session

    hosts = _pairs(values["host_map"], "--host-map", as_json=False)
    session = Session(options)
    lost = False
    with session.guarded():
        from ..errors import ConfigError

        try:
            import pyzeebe  # noqa: F401
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"worker needs {exc.name}: pip install 'openai-connector[zeebe]'"
            ) from None
        lost = not _serve(values, hosts)
    if lost:
        click.echo("error: the Zeebe gateway could not be reached, or was lost", err=True)
        raise click.exceptions.Exit(4)


def _serve(values: dict[str, Any], hosts: dict[str, Any]) -> bool:
    import asyncio

    from ..secrets import SecretStore
    from ..workflow.deployed_secrets import DeployedFields
    from ..workflow.zeebe_jobs import JobRunner, served_types
    from ..workflow.zeebe_worker import ConnectorWorker, gateway_channel, run_worker

    types = served_types(values["operations"] or None, http_json=values["http_json"])
    deployed = DeployedFields.read(values["bpmn_files"])

    async def main() -> bool:
        channel, where = gateway_channel(values["gateway"], tls=values["tls"])
        runner = JobRunner(
            secrets=SecretStore(file=values["secrets_file"], directory=values["secrets_dir"]),
            host_map=hosts,
            allowed_hosts=frozenset(h.lower() for h in values["allowed_hosts"]),
            deployed=deployed,
        )
        connector_worker = ConnectorWorker(
            runner,
            channel,
            types,
            name=values["name"],
            concurrency=values["concurrency"],
            job_timeout=values["job_timeout"],
        )
        print(
            f"worker: serving {len(types)} task types from {where} "
            f"(concurrency {values['concurrency']})",
            file=sys.stderr,
            flush=True,
        )
        try:
            return await run_worker(connector_worker)
        finally:
            await channel.close()

    return asyncio.run(main())

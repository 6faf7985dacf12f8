"""``openai-connector process run``: a Camunda 8 BPMN process on the embedded engine.

Only click is imported here; the engine (SpiffWorkflow, the ``workflow`` extra) loads when
the command runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from .task_options import task_reach_options

if TYPE_CHECKING:
    from .session import CliOptions

PROCESS_EXIT_CODES = """\b
Exit codes:
  0  the process completed
  2  the file cannot run (the message names the element and why), or a bad option
  3  the process stopped at an incident (the JSON lists them)
  5  the process is waiting (a timer beyond --max-wait); resume it from --save
"""
STATE_EXIT = {"completed": 0, "incident": 3, "waiting": 5}


def _pairs(values: tuple[str, ...], option: str, *, as_json: bool) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint=option)
        if as_json:
            try:
                pairs[name] = json.loads(text)
            except json.JSONDecodeError:
                raise click.BadParameter(
                    f"{name}: {text!r} is not JSON (quote text: {name}='\"text\"')",
                    param_hint=option,
                ) from None
        else:
            pairs[name] = text
    return pairs


@click.group(epilog=PROCESS_EXIT_CODES)
def process() -> None:
    """Run Camunda 8 (Zeebe) BPMN processes on the embedded engine (SpiffWorkflow)."""


@process.command("run", epilog=PROCESS_EXIT_CODES)
@click.argument("file", metavar="FILE.bpmn", required=False)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=JSON",
    help="A process variable, its value as JSON (repeatable).",
)
@task_reach_options("tasks")
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Longest total wait for timers and retries before stopping as waiting.",
)
@click.option("--save", "save_to", metavar="FILE", help="Save the process instance here.")
@click.option(
    "--resume",
    "resume_from",
    metavar="FILE",
    help="Resume a saved process instance (FILE.bpmn is then not needed).",
)
@click.pass_obj
def run_command(options: CliOptions, /, file: str | None, **values: Any) -> None:
    """Run FILE.bpmn to its end; print {state, variables, incidents} as JSON.

    Secret references ({{secrets.NAME}}) written in the BPMN file are resolved from the
    environment (or --secrets-file/--secrets-dir); in process variables they are not.
    """
    from .session import Session

    resume_from = values["resume_from"]
    if file is None and resume_from is None:
        raise click.UsageError("give FILE.bpmn, or --resume FILE")
    start_variables = _pairs(values["variables"], "--var", as_json=True)
    hosts = _pairs(values["host_map"], "--host-map", as_json=False)
    session = Session(options)
    with session.guarded():
        from ..errors import ConfigError
        from ..secrets import SecretStore

        try:
            from ..workflow.engine import run_process
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"process run needs {exc.name}: pip install 'openai-connector[workflow]'"
            ) from None

        outcome = run_process(
            file or "",
            start_variables,
            host_map=hosts,
            allowed_hosts=frozenset(h.lower() for h in values["allowed_hosts"]),
            secrets=SecretStore(file=values["secrets_file"], directory=values["secrets_dir"]),
            max_wait=values["max_wait"],
            save_to=values["save_to"],
            resume_from=resume_from,
        )
        session.output.json(outcome)
    raise click.exceptions.Exit(STATE_EXIT.get(outcome["state"], 1))

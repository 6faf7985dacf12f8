"""``openai-connector process run|resume``: Camunda 8 BPMN processes on the embedded engine.

Only click is imported here; the engine (SpiffWorkflow, the ``workflow`` extra) loads when
the command runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from .database import database_options
from .task_options import task_reach_options

if TYPE_CHECKING:
    from .session import CliOptions

PROCESS_EXIT_CODES = """\b
Exit codes:
  0  the process completed
  2  the file cannot run (the message names the element and why), a save that cannot
     be used (unknown id, corrupt, of another file, completed), or a bad option
  3  the process stopped at an incident (the JSON lists them)
  5  the process is waiting (a timer beyond --max-wait); save it (--save or --save-db)
     and continue it later with: process resume
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


def _saved_where(values: dict[str, Any], file: str | None, db_id: str | None) -> Any:
    """``--save FILE`` / ``--save-db ID`` (and the like): a path, a database slot, or None."""
    if file is not None and db_id is not None:
        raise click.UsageError("give a file or a database id, not both")
    if db_id is None:
        return file
    if not db_id.strip():
        raise click.BadParameter("the id is empty", param_hint="--save-db")
    from ..workflow.saved import SavedInDatabase

    return SavedInDatabase(db_id, values["database_url"], values["data_dir"])


def _engine_options(values: dict[str, Any]) -> dict[str, Any]:
    from ..secrets import SecretStore

    return {
        "host_map": _pairs(values["host_map"], "--host-map", as_json=False),
        "allowed_hosts": frozenset(h.lower() for h in values["allowed_hosts"]),
        "secrets": SecretStore(file=values["secrets_file"], directory=values["secrets_dir"]),
        "max_wait": values["max_wait"],
        "workspace": values["workspace"],
    }


def _workflow_runs() -> Any:
    from ..errors import ConfigError

    try:
        from ..workflow import runs
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"process commands need {exc.name}: pip install 'openai-connector[workflow]'"
        ) from None
    return runs


def _run_options(function: Any) -> Any:
    """The options ``run`` and ``resume`` share: variables, reach, waiting, the database."""
    for option in reversed(
        (
            click.option(
                "--var",
                "variables",
                multiple=True,
                metavar="NAME=JSON",
                help="A process variable, its value as JSON (repeatable).",
            ),
            task_reach_options("tasks"),
            click.option(
                "--max-wait",
                type=click.FloatRange(min=0),
                metavar="SECONDS",
                help="Longest total wait for timers and retries before stopping as waiting.",
            ),
            click.option(
                "--workspace",
                type=click.Path(exists=True, file_okay=False),
                metavar="DIR",
                help="Folder tasks may write files to (our templates' \"Write to the "
                'workspace"); without it, files come back as base64.',
            ),
            database_options,
        )
    ):
        function = option(function)
    return function


@process.command("run", epilog=PROCESS_EXIT_CODES)
@click.argument("file", metavar="FILE.bpmn", required=False)
@_run_options
@click.option("--save", "save_to", metavar="FILE", help="Save the process instance here.")
@click.option(
    "--save-db",
    "save_db",
    metavar="ID",
    help="Save the process instance in the database (--database-url) under ID.",
)
@click.option(
    "--resume",
    "resume_from",
    metavar="FILE",
    help="Continue a saved process instance (of FILE.bpmn, when given); see also: process resume.",
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
    save_to = _saved_where(values, values["save_to"], values["save_db"])
    session = Session(options)
    with session.guarded():
        runs = _workflow_runs()
        outcome = runs.run_process(
            file or "",
            start_variables,
            save_to=save_to,
            resume_from=resume_from,
            **_engine_options(values),
        )
        session.output.json(outcome)
    raise click.exceptions.Exit(STATE_EXIT.get(outcome["state"], 1))


@process.command("resume", epilog=PROCESS_EXIT_CODES)
@click.argument("saved", metavar="SAVED.json", required=False)
@click.option(
    "--db", "db_id", metavar="ID", help="Resume the instance saved in the database under ID."
)
@_run_options
@click.option(
    "--retries",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Attempts given to each incident's task when it is retried.",
)
@click.pass_obj
def resume_command(
    options: CliOptions, /, saved: str | None, db_id: str | None, **values: Any
) -> None:
    """Continue a saved process instance; print {state, variables, incidents} as JSON.

    The --var values are set first (new or replacing); each incident is resolved: its task is
    tried again (as Camunda Operate's retry does); due timers fire. The instance is saved back
    where it came from: SAVED.json, or the database under --db ID.
    """
    from .session import Session

    if (saved is None) == (db_id is None):
        raise click.UsageError("give SAVED.json, or --db ID (one of them)")
    variables = _pairs(values["variables"], "--var", as_json=True)
    where = _saved_where(values, saved, db_id)
    session = Session(options)
    with session.guarded():
        runs = _workflow_runs()
        outcome = runs.resume_process(
            where, variables, retries=values["retries"], **_engine_options(values)
        )
        session.output.json(outcome)
    raise click.exceptions.Exit(STATE_EXIT.get(outcome["state"], 1))

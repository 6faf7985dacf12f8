"""The ``openai-connector`` command: wiring of options to commands.

Only click is imported here; each command imports what it needs when it runs, so
``openai-connector --help`` answers without loading pydantic, aiohttp or the operations.
The commands defined in other modules (``keys``, ``process``, ``serve``...) are imported
only when they are invoked or listed (:class:`LazyGroup`), and a command gets its copies of
the global options only then, so a ``chat`` builds none of the other commands.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from .global_options import accept_global_options, check, global_options, overrides
from .run import OperationGroup

if TYPE_CHECKING:
    from .session import CliOptions

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_CODES = """The global options ('openai-connector --help') may also follow the command.

\b
Exit codes:
  0  success
  2  user error: bad option or input, configuration, missing secret
  3  the provider answered with an error status (the envelope is in the error)
  4  no usable response: connection refused, timeout, stream cut off, malformed body,
     no text for --text
  5  the answer came but its output file could not be written: the result is on stdout
  141  standard output closed early (e.g. piped into head); nothing more printed
"""


LAZY_COMMANDS = {
    "keys": "keys",
    "process": "process",
    "serve": "serve",
    "templates": "templates",
    "usage": "usage",
    "worker": "worker",
}
"""Command name -> the module of this package that defines it (as a same-named object)."""


def _accept_global_options(command: click.Command) -> None:
    """Give ``command`` and its subcommands their copies of the global options."""
    accept_global_options(command)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_global_options(sub)


class LazyGroup(click.Group):
    """The root group: its commands are imported and given the global options when used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ready: set[str] = set()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = LAZY_COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            from importlib import import_module

            loaded = import_module(f"{__package__}.{module}")
            self.add_command(getattr(loaded, cmd_name))
        command = self.commands.get(cmd_name)
        if command is not None and cmd_name not in self._ready:
            _accept_global_options(command)
            self._ready.add(cmd_name)
        return command


@click.group("openai-connector", cls=LazyGroup, context_settings=CONTEXT, epilog=EXIT_CODES)
@click.version_option(__version__, "--version", prog_name="openai-connector")
@global_options
@click.pass_context
def cli(ctx: click.Context, /, **values: Any) -> None:
    """Call OpenAI, Azure OpenAI or any OpenAI-compatible server.

    The connection comes from the flags below, else the profile in the config file, else
    the environment (OPENAI_API_KEY, OPENAI_BASE_URL, AZURE_OPENAI_API_KEY,
    AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION, OPENAI_CONNECTOR_DEFAULT_MODEL ...). Any
    value may be '{{secrets.NAME}}'. The result is printed as JSON: {status, headers, body,
    meta}.

    The options below may also follow the command ('chat -p hi --text'), except a name the
    command has itself (e.g. 'run raw.request --timeout' is raw.request's own timeout): give
    that global option before the command.
    """
    from .session import CliOptions

    found = overrides(values)
    ctx.obj = CliOptions(**values, overrides=found)
    check(ctx.obj)


def _run(
    options: CliOptions,
    operation_id: str,
    params: dict[str, Any],
    stream: bool = False,
    needs_connection: bool | None = None,
) -> None:
    from .session import Session

    given = {k: v for k, v in params.items() if v is not None}
    Session(options).run(operation_id, given, stream=stream, needs_connection=needs_connection)


def _schema_format(value: str) -> dict[str, Any]:
    """A JSON-schema response_format from a file holding a schema (or {name, schema, strict})."""
    from .options import json_or_file

    data = json_or_file(value, "--json-schema")
    if not isinstance(data, dict):
        raise click.BadParameter("must hold a JSON Schema object", param_hint="--json-schema")
    if isinstance(data.get("schema"), dict) and "name" in data:
        return {"type": "json_schema", "json_schema": data}
    title = str(data.get("title") or Path(value).stem or "answer")
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", title)[:64]
    return {"type": "json_schema", "json_schema": {"name": name, "schema": data, "strict": True}}


@cli.command(epilog=EXIT_CODES, short_help="Send a prompt to a chat model; print the answer.")
@click.option("--prompt", "-p", metavar="TEXT", help="The user message; - reads stdin.")
@click.option("--system", "-s", metavar="TEXT", help="System message, placed first.")
@click.option(
    "--history",
    metavar="FILE|JSON",
    help="Earlier messages: a JSON list of {role, content}, or a file holding one.",
)
@click.option("--model", "-m", metavar="NAME", help="Model, or on Azure the deployment name.")
@click.option("--temperature", "-t", type=float, help="0 to 2, at most two decimals.")
@click.option("--n", type=int, help="How many choices to generate.")
@click.option("--max-tokens", type=int, help="Upper bound for the answer's tokens.")
@click.option("--stream", is_flag=True, help="Print the answer as it is generated.")
@click.option("--json-schema", metavar="FILE", help="Answer as JSON following this schema.")
@click.option(
    "--image", "images", multiple=True, metavar="URL|PATH", help="Image to look at (repeatable)."
)
@click.pass_obj
def chat(options: CliOptions, /, **values: Any) -> None:
    """Send a prompt (and a conversation) to a chat model; print the answer.

    \b
    Examples:
      openai-connector chat -p "Say hello in French" -m gpt-4o-mini
      openai-connector --text chat -p "Write a haiku" --stream
      openai-connector --result-expression "{answer: body.choices[0].message.content}" \\
          chat -p "2+2?" -s "Answer with a number"
    """
    if values["prompt"] == "-":
        values["prompt"] = sys.stdin.read()
    if values["history"] is not None:
        from .options import json_or_file

        values["history"] = json_or_file(values["history"], "--history")
    schema = values.pop("json_schema")
    if schema is not None:
        values["response_format"] = _schema_format(schema)
    values["images"] = list(values["images"]) or None
    stream = values.pop("stream")
    _run(options, "chat.create", values, stream)


@cli.command(epilog=EXIT_CODES)
@click.option(
    "--input",
    "inputs",
    multiple=True,
    required=True,
    metavar="TEXT",
    help="Text to check (repeatable).",
)
@click.option(
    "--model",
    "-m",
    metavar="NAME",
    help="omni-moderation-latest (default) or text-moderation-latest.",
)
@click.pass_obj
def moderate(options: CliOptions, inputs: tuple[str, ...], model: str | None) -> None:
    """Check text against OpenAI's usage policies."""
    text: str | list[str] = inputs[0] if len(inputs) == 1 else list(inputs)
    _run(options, "moderation.create", {"input": text, "model": model}, False)


@cli.command("test-connection", epilog=EXIT_CODES, short_help="Check auth and reachability.")
@click.option("--model", "-m", metavar="NAME", help="Model (Azure: deployment) for the chat steps.")
@click.pass_obj
def test_connection(options: CliOptions, model: str | None) -> None:
    """Check auth and reachability (models, a chat, a streamed chat)."""
    _run(options, "connection.test", {"model": model}, needs_connection=True)


@cli.group(cls=OperationGroup, epilog=EXIT_CODES)
def run() -> None:
    """Run any operation; its options come from its input model.

    Give the input as options, one per input field (see 'openai-connector run OPERATION
    --help'; a field named 'input' is --input), as a JSON object with --params FILE (or -
    for stdin), or both (options override the file).

    \b
    Examples:
      openai-connector run models.list
      openai-connector run files.upload --file train.jsonl --purpose fine-tune
      openai-connector run embeddings.create --input "hello" --model text-embedding-3-small
      echo '{"prompt": "hi", "model": "gpt-4o-mini"}' | openai-connector run chat.create --params -
    """


@cli.group(invoke_without_command=True, short_help="List, search and describe operations.")
@click.pass_context
def operations(ctx: click.Context) -> None:
    """List operations; 'search' and 'show' find and describe them."""
    if ctx.invoked_subcommand is None:
        from .. import catalogue

        _print_entries(ctx.obj, catalogue.entries())


def _print_entries(options: CliOptions, entries: list[Any]) -> None:
    from .output import dumps, table

    if options.json:
        click.echo(dumps([{k: getattr(e, k) for k in e.__slots__} for e in entries]))
        return
    headers = ("ID", "METHOD", "OPENAI PATH", "AZURE PATH", "SUMMARY")
    rows = [(e.id, e.method, e.openai_path, e.azure_path, e.summary) for e in entries]
    click.echo(table(headers, rows))


@operations.command()
@click.argument("words", nargs=-1, required=True)
@click.pass_obj
def search(options: CliOptions, words: tuple[str, ...]) -> None:
    """Find operations by keywords, best first.

    Each word is looked for in the id, keywords, summary and input fields of every
    operation; those matching more words, and in weightier places, come first. No match is
    not an error: a message on stderr, exit code 0 (with --json: []).
    """
    from .. import catalogue

    matches = catalogue.search(words)
    if not matches:  # not an error: an empty answer (exit 0), "[]" with --json
        click.echo(f"no operation matches {' '.join(words)!r}", err=True)
        if options.json:
            click.echo("[]")
        return
    _print_entries(options, [m.entry for m in matches])


@operations.command()
@click.argument("operation_id", metavar="ID")
@click.pass_obj
def show(options: CliOptions, operation_id: str) -> None:
    """Describe one operation as JSON: paths, input schema, an example input.

    The example has every field filled; save it to a file and run it with
    'openai-connector run ID --params FILE'.
    """
    from .. import catalogue
    from .session import Session

    session = Session(options)
    with session.guarded():
        session.output.json(catalogue.describe(operation_id))


def main() -> None:
    try:
        cli(prog_name="openai-connector")
    except SystemExit as exc:
        # click ends a broken pipe outside a session with a quiet exit 1: say it the same way
        if exc.code == 1 and type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
            from .exit_codes import OUTPUT_CLOSED

            raise SystemExit(OUTPUT_CLOSED) from None
        raise

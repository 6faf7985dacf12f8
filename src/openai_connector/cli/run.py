"""``openai-connector run OPERATION_ID``: one command per operation, made from the registry.

The registry is read only when ``run`` is used (so ``--help`` stays fast), and read at run
time, so an operation added to the registry is a command without further work.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..operations.base import Operation

INPUT_HELP = (
    "The whole input as a JSON object: a file, or - for standard input. Options given "
    "as well override its fields."
)


def read_input(value: str) -> dict[str, Any]:
    """The ``--params`` JSON object from a file or standard input."""
    from .options import parse_json

    if value == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(value, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {value}: {exc}", param_hint="--params") from None
    data = parse_json(text, "--params")
    if not isinstance(data, dict):
        raise click.BadParameter(
            f"must hold a JSON object of input fields, not {type(data).__name__}",
            param_hint="--params",
        )
    return data


def _route(op: Operation) -> str:
    from ..providers import get

    if op.runner is not None and op.path is None:
        return "Composite: run by the connector, not one HTTP call."
    openai_path, azure_path = get("openai").path_template(op), get("azure").path_template(op)
    openai = f"{op.method} {openai_path}" if openai_path else "not offered by OpenAI"
    azure = f"{op.method} {azure_path}" if azure_path else "not offered by Azure OpenAI"
    return f"OpenAI: {openai}. Azure: {azure}."


def operation_command(op: Operation) -> click.Command:
    """The command for one operation, with an option per input field."""
    from .options import collect, options_for

    fields = options_for(op.input)

    def callback(input_file: str | None, **values: Any) -> None:
        from .session import Session

        params = read_input(input_file) if input_file else {}
        params.update(collect(fields, values))
        stream = op.streams and params.get("stream") is True
        Session(click.get_current_context().obj).run(op.id, params, stream=stream)

    help_text = "\n\n".join(
        part
        for part in (
            op.summary + ".",
            op.docs,
            _route(op),
            f"Input schema and an example: openai-connector operations show {op.id}",
        )
        if part
    )
    params: list[click.Parameter] = [
        click.Option(["--params", "input_file"], metavar="FILE|-", help=INPUT_HELP),
        *(f.option() for f in fields),
    ]
    return click.Command(
        op.id, callback=callback, params=params, help=help_text, short_help=op.summary
    )


class OperationGroup(click.Group):
    """A group whose commands are the registry's operations, built when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from ..operations.registry import operations

        return list(operations())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from ..operations.registry import operations
        from .global_options import accept_global_options

        op = operations().get(cmd_name)
        return None if op is None else accept_global_options(operation_command(op))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if args and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            from ..operations.registry import operations

            close = difflib.get_close_matches(name, list(operations()), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise click.UsageError(
                f"unknown operation {name!r}.{hint} 'openai-connector operations' lists them.",
                ctx,
            )
        return super().resolve_command(ctx, args)

"""``openai-connector templates``: Camunda 8 element templates for every operation."""

from __future__ import annotations

import json
from pathlib import Path

import click

TEMPLATES_EPILOG = """\b
Exit codes:
  0  done (lint: no problem found)
  1  lint found problems (listed on stderr)
  2  bad option, unknown operation, unreadable file, schema not found
"""


@click.group(short_help="Export and check Camunda 8 element templates.")
def templates() -> None:
    """Camunda 8 element templates generated from the operations.

    Desktop Modeler reads them from .camunda/element-templates beside (or above) your
    diagrams, or from resources/element-templates in its data folder; Web Modeler imports
    them one by one. See docs/templates.md for the bindings and the task type contract.
    """


@templates.command(epilog=TEMPLATES_EPILOG)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--operation",
    "operation_ids",
    multiple=True,
    metavar="ID",
    help="Export only this operation (repeatable); default: all.",
)
def export(directory: Path, operation_ids: tuple[str, ...]) -> None:
    """Write one template per operation into DIRECTORY as OPERATION-ID.json.

    The same code writes the same files: export again and diff to see what changed.

    \b
    Examples:
      openai-connector templates export .camunda/element-templates
      openai-connector templates export out --operation chat.create
    """
    from ..errors import UnknownOperation
    from ..workflow.templates import export as write

    try:
        written = write(directory, list(operation_ids))
    except UnknownOperation as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        raise click.BadParameter(f"{exc}{hint}", param_hint="--operation") from None
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {directory}: {exc.strerror or exc}", param_hint="DIRECTORY"
        ) from None
    for path in written:
        click.echo(str(path))


@templates.command(epilog=TEMPLATES_EPILOG)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--schema",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Camunda's element-template JSON schema; default: "
    "$OPENAI_CONNECTOR_SHARED/specs/zeebe-element-templates-schema-0.46.0.json.",
)
def lint(files: tuple[Path, ...], schema: Path | None) -> None:
    """Check template files against Camunda's schema and our own rules.

    Our rules catch what the schema cannot: conditions naming missing properties, the same
    binding twice, dropdown defaults not among their choices, undeclared groups, and input
    fields our task types need or do not know. A file may hold one template or a list.
    """
    from ..workflow.template_lint import lint as check
    from ..workflow.template_lint import load_schema, validate

    try:
        import jsonschema  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise click.UsageError(
            "templates lint needs the jsonschema package: pip install jsonschema"
        ) from None
    try:
        rules = load_schema(schema)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--schema") from None
    found = 0
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="FILES") from None
        problems = validate(document, rules)
        for one in document if isinstance(document, list) else [document]:
            if isinstance(one, dict):
                problems += check(one)
        for problem in problems:
            click.echo(f"{path}: {problem}", err=True)
        found += len(problems)
    if found:
        raise click.exceptions.Exit(1)
    click.echo(f"{len(files)} file(s) checked, no problem found")

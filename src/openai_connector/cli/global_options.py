"""The global options (output, config, connection), accepted before and after the command.

``openai-connector --text chat -p hi`` and ``openai-connector chat -p hi --text`` mean the
same, as with ``gh`` or ``kubectl``. Every command gets a hidden copy of each global option;
what it parses is merged into the :class:`~.session.CliOptions` the group built (a value
given after the command wins over one given before).

One rule for a name both the command and the global options have (``raw.request`` has
``--timeout``, ``--debug``; ``chat.summarize`` has ``--text``; ``batches.create`` has
``--endpoint``): after the command, the name is the command's own option; the global option
is then given before the command. Nothing is routed silently to the other one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .session import CliOptions

# Connection flags: (flag, setting, type, help). Any value may hold {{secrets.NAME}}.
CONNECTION_FLAGS: tuple[tuple[str, str, Any, str], ...] = (
    ("--provider", "provider", click.Choice(["openai", "azure", "compatible"]), "Provider."),
    ("--base-url", "base_url", None, "OpenAI or compatible server URL, e.g. http://host/v1."),
    ("--endpoint", "endpoint", None, "Azure endpoint: https://RESOURCE.openai.azure.com."),
    ("--api-key", "api_key", None, "API key; prefer '{{secrets.NAME}}'."),
    ("--api-version", "api_version", None, "Azure api-version, e.g. 2024-10-21."),
    ("--organization", "organization", None, "OpenAI organization id."),
    ("--project", "project", None, "OpenAI project id."),
    (
        "--default-model",
        "default_model",
        None,
        "Model (Azure: deployment) when none given (else $OPENAI_CONNECTOR_DEFAULT_MODEL; "
        "OpenAI: gpt-5-mini).",
    ),
    ("--timeout", "timeout", click.FloatRange(min=0, min_open=True), "Seconds per attempt."),
    ("--max-retries", "max_retries", click.IntRange(min=0), "Retries after a failure."),
)

# The other global options: (flags, name, click.Option keyword arguments).
OUTPUT_OPTIONS: tuple[tuple[tuple[str, ...], str, dict[str, Any]], ...] = (
    (
        ("--connection", "-c"),
        "connection",
        {"metavar": "NAME", "help": "Connection (profile) in the config file."},
    ),
    (
        ("--config",),
        "config",
        {"metavar": "FILE", "help": "Config file (TOML) with connections and secrets."},
    ),
    (
        ("--debug",),
        "debug",
        {"is_flag": True, "help": "Log requests and responses to stderr (redacted)."},
    ),
    (("--json",), "json", {"is_flag": True, "help": "Result and errors as JSON on stdout."}),
    (
        ("--text",),
        "text",
        {
            "is_flag": True,
            "help": "Print just the answer's text (or bytes, or the files written); refused "
            "for operations that answer with data only.",
        },
    ),
    (
        ("--result-expression",),
        "result_expression",
        {
            "metavar": "EXPR",
            "help": "JMESPath over {status, headers, body} giving a mapping to print, "
            "e.g. '{answer: body.choices[0].message.content}'.",
        },
    ),
    (
        ("--result-variable",),
        "result_variable",
        {"metavar": "NAME", "help": "Print {NAME: the envelope}."},
    ),
)

LATE_PREFIX = "global__"
"""Parameter names of the copies on the commands (never an input field's name)."""


def _specs() -> list[tuple[tuple[str, ...], str, dict[str, Any]]]:
    specs = list(OUTPUT_OPTIONS)
    for flag, setting, kind, text in CONNECTION_FLAGS:
        metavar = None if kind is not None else "TEXT"
        specs.append(((flag,), setting, {"type": kind, "metavar": metavar, "help": text}))
    return specs


def global_options(function: Any) -> Any:
    """Decorate the group with the global options, under their own names."""
    for flags, name, kwargs in reversed(_specs()):
        function = click.option(*flags, name, **kwargs)(function)
    return function


def overrides(values: dict[str, Any]) -> dict[str, Any]:
    """The connection settings among parsed option values (popped from ``values``)."""
    found = {setting: values.pop(setting, None) for _, setting, _, _ in CONNECTION_FLAGS}
    if found.get("timeout") is not None:
        found["timeout"] = {"total": found["timeout"]}
    if found.get("max_retries") is not None:
        found["retry"] = {"max_retries": found.pop("max_retries")}
    return {k: v for k, v in found.items() if v is not None}


def check(options: CliOptions) -> None:
    if options.text and (options.result_expression or options.result_variable):
        raise click.UsageError(
            "--text and --result-expression/--result-variable exclude each other"
        )


def merge(options: CliOptions, values: dict[str, Any]) -> None:
    """Apply global options parsed after the command (flags only when given)."""
    options.overrides.update(overrides(values))
    for name, value in values.items():
        if value is not None and value is not False:
            setattr(options, name, value)
    check(options)


def accept_global_options(command: click.Command) -> click.Command:
    """Let ``command`` take the global options too, except names it has itself."""
    taken = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    added: list[str] = []
    for flags, name, kwargs in _specs():
        if any(flag in taken for flag in flags if flag.startswith("--")):
            continue  # the command's own option: see the rule in the module docstring
        free = [flag for flag in flags if flag not in taken]
        command.params.append(click.Option([*free, LATE_PREFIX + name], hidden=True, **kwargs))
        added.append(name)
    callback = command.callback
    if callback is None or not added:
        return command
    command.callback = _merging(callback, added)
    return command


def _merging(callback: Callable[..., Any], names: list[str]) -> Callable[..., Any]:
    def merged(*args: Any, **values: Any) -> Any:
        late = {name: values.pop(LATE_PREFIX + name) for name in names}
        options = click.get_current_context().find_root().obj
        if options is not None:
            merge(options, late)
        return callback(*args, **values)

    return merged

"""One command-line invocation: build the connector, run an operation, print, exit.

Exit codes come from one table, :mod:`.exit_codes`.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ..errors import (
    APIStatusError,
    ConfigError,
    ConnectorError,
    ConnectorWarning,
    OutputWriteFailed,
)
from ..secrets import Redactor, has_reference
from .exit_codes import INTERRUPTED, OUTPUT_CLOSED, exit_code_for, exit_code_of
from .output import Output

if TYPE_CHECKING:
    from ..config import ConfigFile
    from ..connector import Connector
    from ..mapping import ResultMapping
    from ..result import Result

DEBUG_LOGGER = "openai_connector.http"
CREDENTIAL_FLAGS = ("api_key", "azure_ad_token")
CONNECTION_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_AD_TOKEN",
)


def output_closed() -> click.exceptions.Exit:
    """Stop quietly: nothing more can be printed, and Python must not complain at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return click.exceptions.Exit(OUTPUT_CLOSED)


class CliOptions:
    """The global options, given before the command (a plain class: cheaper to define than
    a dataclass, on every start-up)."""

    __slots__ = (
        "config",
        "connection",
        "debug",
        "json",
        "overrides",
        "result_expression",
        "result_variable",
        "text",
    )

    def __init__(
        self,
        *,
        connection: str | None = None,
        config: str | None = None,
        debug: bool = False,
        json: bool = False,
        text: bool = False,
        result_expression: str | None = None,
        result_variable: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.connection = connection
        self.config = config
        self.debug = debug
        self.json = json
        self.text = text
        self.result_expression = result_expression
        self.result_variable = result_variable
        self.overrides: dict[str, Any] = {} if overrides is None else overrides
        """Connection settings from the connection flags (None when not given)."""


class _RedactingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, output: Output) -> None:
        super().__init__(sys.stderr)
        self._output = output
        self.setFormatter(logging.Formatter("debug: %(message)s"))

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "redacted", False):  # the core's logs: redacted in their values
            return super().format(record)
        return self._output.redactor(super().format(record))


def _no_text(operation_id: str, result: Result) -> ConnectorError:
    """--text, and an answer without text (tool calls, a refusal, a body of another shape)."""
    from ..errors import InvalidResponse

    body = result.body
    choices = body.get("choices") if isinstance(body, dict) else None
    first = choices[0] if isinstance(choices, list) and choices else None
    reason = "it holds no text"
    if isinstance(first, dict) and first.get("finish_reason"):
        reason = f"finish_reason {first['finish_reason']!r}"
    return InvalidResponse(
        f"{operation_id}: the answer has no text to print ({reason}); --json shows it whole",
        result=result,
    )


def _only_call_logs(record: logging.LogRecord) -> bool:
    """A request or response log line (what a call's own debug setting asks for)."""
    return record.getMessage().startswith(("request ", "response "))


class Session:
    """Runs one command with the global options; every exit goes through :meth:`guarded`."""

    def __init__(self, options: CliOptions) -> None:
        self.options = options
        self._literals = [
            value
            for key in CREDENTIAL_FLAGS
            if isinstance(value := options.overrides.get(key), str) and not has_reference(value)
        ]
        self.output = Output(Redactor(self._literals))
        self._config: ConfigFile | None = None

    # ------------------------------------------------------------ guarding

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """Warnings as one line, debug logs, and errors turned into messages and exit codes."""
        # --debug shows every log line; without it, only the calls that ask for it
        # (raw.request's own debug field) show their request and response
        logger = logging.getLogger(DEBUG_LOGGER)
        handler = _RedactingHandler(self.output)
        if not self.options.debug:
            handler.addFilter(_only_call_logs)
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        with warnings.catch_warnings():
            warnings.simplefilter("always", ConnectorWarning)
            original = warnings.showwarning

            def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
                if issubclass(category, ConnectorWarning):
                    self.output.warning(str(message))
                else:
                    original(message, category, *args, **kwargs)

            warnings.showwarning = show
            try:
                yield
            except ConnectorError as exc:
                exc.redacted(self.output.redactor)
                if isinstance(exc, OutputWriteFailed) and not self.options.json:
                    self.output.json(exc.result.envelope())  # the answer, paid for: not lost
                self.output.error(exc, as_json=self.options.json, details=self.options.debug)
                raise click.exceptions.Exit(exit_code_of(exc)) from None
            except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise
            except BrokenPipeError:
                raise output_closed() from None
            except KeyboardInterrupt:
                self.output.text("interrupted", err=True)
                raise click.exceptions.Exit(INTERRUPTED) from None
            except Exception as exc:
                self._unexpected(exc)
                raise click.exceptions.Exit(1) from None
            finally:
                logger.removeHandler(handler)
                logger.setLevel(level)

    def _unexpected(self, exc: Exception) -> None:
        self.output.text(f"error: unexpected failure: {type(exc).__name__}: {exc}", err=True)
        if self.options.debug:
            self.output.text("".join(traceback.format_exception(exc)).rstrip(), err=True)
        else:
            self.output.text("hint: this is a bug; --debug shows the traceback", err=True)

    # ------------------------------------------------------------ connecting

    def mapping(self) -> ResultMapping | None:
        """The result mapping of --result-expression/--result-variable, checked now."""
        opts = self.options
        if opts.result_expression is None and opts.result_variable is None:
            return None
        from ..mapping import ResultMapping

        return ResultMapping.compile(
            result_variable=opts.result_variable, result_expression=opts.result_expression
        )

    def _unconfigured(self) -> bool:
        """True when nothing (flags, profile, environment) says which server to call."""
        opts = self.options
        config = self._config
        if opts.connection or (config is not None and config.default_connection):
            return False
        if any(opts.overrides.get(k) for k in ("provider", "base_url", "endpoint", "api_key")):
            return False
        return not any(os.environ.get(name) for name in CONNECTION_ENV)

    def _what_to_set(self) -> ConfigError:
        from ..config import default_config_path

        where = (self._config and self._config.path) or default_config_path()
        return ConfigError(
            "no connection is configured: set OPENAI_API_KEY (for api.openai.com) or "
            "OPENAI_BASE_URL (for an OpenAI-compatible server), or AZURE_OPENAI_ENDPOINT "
            "and AZURE_OPENAI_API_KEY (for Azure OpenAI)",
            hint=f"or pass --api-key / --base-url, or define a connection in {where}",
        )

    def connector(self, operation_id: str | None = None, *, needs: bool | None = None) -> Connector:
        """The connector for the options.

        When nothing configures a connection and the operation needs one (``needs``; by
        default every operation that is one HTTP call), say what to set.
        """
        from ..config import build_connection
        from ..connector import Connector

        opts = self.options
        config = self._load_config()
        if operation_id is not None and self._unconfigured():
            from ..operations.registry import get

            if needs or (needs is None and get(operation_id).runner is None):
                raise self._what_to_set()
        connection = build_connection(opts.overrides, profile=opts.connection, config=config)
        connector = Connector(connection, secrets=config.secret_store(), debug=opts.debug)
        redactor = connector.redactor
        for value in [*self._literals, connection.api_key, connection.azure_ad_token]:
            if value and not has_reference(value):
                redactor.add(value)
        self.output.redactor = redactor
        if opts.debug:
            self.output.text(f"debug: connection {connection.public()}", err=True)
        return connector

    def _load_config(self) -> ConfigFile:
        from ..config import load_config

        if self._config is None:
            self._config = load_config(self.options.config)
        return self._config

    def _check_text(self, operation_id: str) -> None:
        """--text with an operation whose answer is never a text: refused before sending."""
        from ..operations.registry import TEXT_ANSWERS

        if self.options.text and operation_id not in TEXT_ANSWERS:
            raise click.UsageError(
                f"--text: {operation_id} answers with data, not a text; leave --text out, "
                "or pick values with --result-expression"
            )

    # ------------------------------------------------------------- running

    def run(
        self,
        operation_id: str,
        params: dict[str, Any],
        *,
        stream: bool = False,
        needs_connection: bool | None = None,
    ) -> None:
        """Run an operation, print its result, and exit with its code."""
        code = 0
        with self.guarded():
            mapping = self.mapping()
            self._check_text(operation_id)
            self._load_config()  # a broken config file is reported as such, never masked
            try:
                with self.connector(operation_id, needs=needs_connection) as connector:
                    if stream:
                        result = self._stream(connector, operation_id, params, mapping)
                    else:
                        result = self._run(connector, operation_id, params)
            except ConfigError:
                if self._unconfigured():
                    raise self._what_to_set() from None
                raise
            code = self.render(operation_id, result, mapping, streamed=stream)
        if code:
            raise click.exceptions.Exit(code)

    def _run(self, connector: Connector, operation_id: str, params: dict[str, Any]) -> Result:
        from .progress import ProgressLine

        progress = ProgressLine.for_terminal(sys.stderr, self.output.redactor)
        try:
            return connector.run(operation_id, params, progress=progress)
        finally:
            if progress is not None:
                progress.close()

    def _stream(
        self,
        connector: Connector,
        operation_id: str,
        params: dict[str, Any],
        mapping: ResultMapping | None,
    ) -> Result:
        """Print text as it arrives: on stdout, or on stderr when stdout gets JSON."""
        aside = self.options.json or mapping is not None
        stream = connector.stream(operation_id, params)
        shown = self.output.stream(err=aside)
        for chunk in stream:
            if chunk.text:
                shown.write(chunk.text)
        result = stream.result
        assert result is not None
        if not shown.written and result.ok and result.text:
            shown.write(result.text)  # the server did not stream
        shown.close()
        return result

    def render(
        self,
        operation_id: str,
        result: Result,
        mapping: ResultMapping | None,
        *,
        streamed: bool = False,
    ) -> int:
        """Print a result as the options ask; return the exit code."""
        opts = self.options
        out = self.output
        if mapping is not None:
            out.json(mapping.apply(result))
        elif streamed:
            if opts.json:
                out.json(result.to_jsonable(redact=out.redactor.deep))
        elif opts.text and not opts.json:
            text = result.text
            if text is not None:
                out.text(text)
            elif isinstance(result.body, bytes):
                out.raw(result.body)
            elif result.ok and result.extra.get("files"):  # written to files: where
                out.text("\n".join(str(path) for path in result.extra["files"]))
            elif result.ok:
                raise _no_text(operation_id, result)
            else:
                out.json(result.body)
        else:
            out.json(result.to_jsonable(redact=out.redactor.deep))
        return 0 if result.ok else self._failure(operation_id, result)

    def _failure(self, operation_id: str, result: Result) -> int:
        """A result that is not a success (a composite's): say why, pick the exit code."""
        body = result.body
        steps = body.get("steps") if isinstance(body, dict) else None
        if isinstance(steps, list):
            failed = next((s for s in steps if isinstance(s, dict) and not s.get("ok")), {})
            error = failed.get("error") or {}
            self.output.text(
                f"error: {operation_id} failed at step {failed.get('step')}: "
                f"{error.get('message', 'see the result')}",
                err=True,
            )
            return exit_code_for(error.get("code"))
        self.output.text(f"error: {operation_id} answered HTTP {result.status}", err=True)
        return exit_code_of(APIStatusError)

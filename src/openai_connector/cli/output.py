"""What the command line prints, and the one place it is printed from.

Every string goes through the connector's :class:`~openai_connector.secrets.Redactor` on its
way out, so a secret never reaches the terminal, not even in an error or a debug dump.
Results and machine-readable errors go to standard output; messages, warnings, progress
and debug logs go to standard error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from ..result import jsonable_leaf

if TYPE_CHECKING:
    from ..errors import ConnectorError
    from ..secrets import Redactor

NONE = "—"
"""Shown in a table cell that has no value."""


def dumps(data: Any, redactor: Redactor | None = None) -> str:
    """JSON text for anything a result may hold (bytes as base64, paths as text).

    With a ``redactor``, secrets are masked in the values before they are dumped (never in
    the dumped text, where a short secret could match part of a number)."""
    if not redactor:
        return json.dumps(data, indent=2, ensure_ascii=False, default=jsonable_leaf)
    return json.dumps(
        redactor.deep(data),
        indent=2,
        ensure_ascii=False,
        default=lambda value: redactor.deep(jsonable_leaf(value)),
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """Columns padded to their widest cell; the last column is left as is."""
    cells = [list(headers), *[[NONE if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers) - 1)]
    lines = []
    for row in cells:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines)


class Output:
    """Prints through a redactor; the redactor may grow while the command runs."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    def _clean(self, data: Any) -> Any:
        return self.redactor.deep(data) if self.redactor else data

    def json(self, data: Any, *, err: bool = False) -> None:
        click.echo(dumps(data, self.redactor), err=err)

    def text(self, text: str, *, err: bool = False, nl: bool = True) -> None:
        click.echo(self.redactor(text), err=err, nl=nl)

    def raw(self, data: bytes) -> None:
        """Bytes as they are (e.g. a downloaded file piped to another program)."""
        click.echo(self._clean(data), nl=False)

    def piece(self, text: str, *, err: bool = False, redacted: bool = False) -> None:
        """A piece of text, shown at once (``redacted``: it has been already)."""
        stream = sys.stderr if err else sys.stdout
        stream.write(text if redacted else self.redactor(text))
        stream.flush()

    def stream(self, *, err: bool = False) -> StreamText:
        return StreamText(self, err=err)

    def warning(self, message: str) -> None:
        self.text("warning: " + " ".join(message.split()), err=True)

    def error(self, error: ConnectorError, *, as_json: bool = False, details: bool = False) -> None:
        """One line (and a hint) on stderr; the error's data as JSON when asked for.

        With ``as_json`` the data goes to stdout (where a result would have gone), so a
        script reads either a result or an error from the same place.
        """
        self.text(f"error: {error.message}", err=True)
        if error.hint:
            self.text(f"hint: {error.hint}", err=True)
        if as_json:
            self.json(error.to_dict())
        elif details:
            self.json(error.to_dict(), err=True)


class StreamText:
    """Streamed text, shown as it comes, except a tail that may be the start of a secret:
    that waits for the next piece, so a secret split across pieces is masked whole."""

    def __init__(self, output: Output, *, err: bool = False) -> None:
        self._output = output
        self._err = err
        self._held = ""
        self.written = False

    def write(self, piece: str) -> None:
        ready, self._held = self._output.redactor.split_pending(self._held + piece)
        if ready:
            self._output.piece(ready, err=self._err, redacted=True)
            self.written = True

    def close(self) -> None:
        """Show what was held back, and end the line."""
        if self._held:
            self._output.piece(self._held, err=self._err)
            self._held = ""
            self.written = True
        if self.written:
            self._output.piece("\n", err=self._err)

"""The command line's exit codes: one table from error class to code (the errors carry none).

0 ok, 1 anything unexpected, 2 user error (bad input, configuration, missing secret; also
click's usage errors), 3 the provider answered with an error status, 4 no usable response
(none, a cut one, a malformed one, no text for --text), 5 the answer came but its output file
could not be written, 130 interrupted, 141 standard output was closed early.
"""

from __future__ import annotations

from ..errors import (
    APIStatusError,
    ConnectorError,
    OutputWriteFailed,
    TransportError,
    UserError,
)

EXIT_CODES: dict[type[ConnectorError], int] = {
    UserError: 2,
    APIStatusError: 3,
    TransportError: 4,
    OutputWriteFailed: 5,
    ConnectorError: 1,
}
"""Error class -> exit code; a subclass takes the code of its nearest class listed here."""
INTERRUPTED = 130
OUTPUT_CLOSED = 141
"""Standard output was closed early (``| head``): 128 + SIGPIPE, as other commands end."""
UNKNOWN_CODE = 3
"""An error ``code`` no class has (a composite step's failure from a newer server)."""


def exit_code_of(error: ConnectorError | type[ConnectorError]) -> int:
    """The exit code for an error (or an error class)."""
    cls = error if isinstance(error, type) else type(error)
    for base in cls.__mro__:
        if base in EXIT_CODES:
            return EXIT_CODES[base]
    return 1


def exit_code_for(code: str | None) -> int:
    """The exit code of the error class with this machine-readable ``code``."""
    pending: list[type[ConnectorError]] = [ConnectorError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return exit_code_of(cls)
        pending.extend(cls.__subclasses__())
    return UNKNOWN_CODE

"""The exit codes users see come from the CLI's one table; error classes carry none."""

from __future__ import annotations

import pytest

from openai_connector import errors
from openai_connector.cli.exit_codes import EXIT_CODES, exit_code_for, exit_code_of

EXPECTED = {
    "ConnectorError": 1,
    "UserError": 2,
    "ConfigError": 2,
    "SecretNotFound": 2,
    "InvalidInput": 2,
    "UnknownOperation": 2,
    "UnsupportedOperation": 2,
    "TransportError": 4,
    "ConnectionFailed": 4,
    "RequestTimeout": 4,
    "StreamInterrupted": 4,
    "InvalidResponse": 4,
    "APIStatusError": 3,
    "UnexpectedRedirect": 3,
    "BadRequest": 3,
    "AuthenticationFailed": 3,
    "PermissionDenied": 3,
    "NotFound": 3,
    "Conflict": 3,
    "RateLimited": 3,
    "QuotaExceeded": 3,
    "ServerError": 3,
    "OutputWriteFailed": 5,
}


@pytest.mark.parametrize(("name", "code"), sorted(EXPECTED.items()))
def test_every_error_class_keeps_its_exit_code(name: str, code: int) -> None:
    cls = getattr(errors, name)
    assert exit_code_of(cls) == code
    if "code" in vars(cls):  # a composite step's failure names its code
        assert exit_code_for(cls.code) == code


def test_every_error_class_of_the_tree_is_listed() -> None:
    """A class added to errors.py is given its exit code here on purpose."""
    found = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.ConnectorError)
    }
    assert found == set(EXPECTED)


def test_error_classes_carry_no_exit_code() -> None:
    assert not any(hasattr(cls, "exit_code") for cls in EXIT_CODES)


def test_an_instance_takes_its_class_code() -> None:
    assert exit_code_of(errors.InvalidInput("x", field="f")) == 2
    assert exit_code_for("no_such_code") == 3
